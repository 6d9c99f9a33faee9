"""Pages leave gzipped for a browser that accepts it: phones on 2G pay for every byte."""

from __future__ import annotations

import gzip

from django.test import Client


def test_a_page_is_gzipped_for_a_browser_that_accepts_it(demo):
    client = Client(HTTP_ACCEPT_ENCODING="gzip, deflate", HTTP_ACCEPT_LANGUAGE="en")

    response = client.get("/shop/")

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert b"</html>" in gzip.decompress(response.content)


def test_a_page_is_plain_for_a_client_that_does_not_accept_gzip(demo):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/shop/")

    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
    assert b"</html>" in response.content
