"""Error pages in the reader's language, with the site's header, never Django's English."""

from __future__ import annotations

from django.test import Client, RequestFactory
from django.utils import translation
from django.views.defaults import server_error


def test_a_missing_page_is_answered_in_chinese_with_the_site_header(db):
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/no-such-page/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in html
    assert 'class="top"' in html
    assert "Not Found" not in html


def test_a_missing_page_is_answered_in_tibetan(db):
    response = Client(HTTP_ACCEPT_LANGUAGE="bo").get("/no-such-page/")

    html = response.content.decode()
    assert response.status_code == 404
    assert 'lang="bo"' in html
    assert "Page not found" not in html


def test_a_server_error_page_needs_no_request_context_and_speaks_the_language():
    request = RequestFactory().get("/")
    with translation.override("zh-hans"):
        response = server_error(request)

    html = response.content.decode()
    assert response.status_code == 500
    assert "出了问题" in html
    assert "Server Error" not in html


def test_every_page_names_its_icon_and_the_browser_default_icon_path_answers(db):
    client = Client()

    home = client.get("/").content.decode()
    icon = client.get("/favicon.ico")

    assert 'rel="icon"' in home
    assert icon.status_code in (200, 301, 302)
