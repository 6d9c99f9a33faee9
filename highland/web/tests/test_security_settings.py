"""Production's cookies and switches, read from a process started with that profile."""

from __future__ import annotations

from highland.core.tests.profiles import (
    A_SECRET_KEY,
    production_settings,
    run_in_production,
    run_python_in_production,
)

SWITCH_LANGUAGE = (
    "from django.test import Client; "
    "response = Client().post('/i18n/setlang/', {'language': 'en', 'next': '/'}, "
    "secure=True, HTTP_HOST='shop.example.cn'); "
    "print(response.status_code, response.cookies['django_language'].output())"
)


def test_production_language_cookie_is_secure_and_lax(tmp_path):
    line = run_python_in_production(tmp_path, SWITCH_LANGUAGE)

    status, cookie = line.split(" ", 1)
    assert status == "302"
    assert "django_language=en;" in cookie
    assert "; Secure" in cookie
    assert "SameSite=Lax" in cookie


def test_production_cookie_settings(tmp_path):
    assert production_settings(
        tmp_path,
        "LANGUAGE_COOKIE_SECURE",
        "LANGUAGE_COOKIE_SAMESITE",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
    ) == {
        "LANGUAGE_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }


def test_development_language_cookie_works_over_plain_http(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    cookie = response.cookies["django_language"]
    assert (cookie.value, cookie["secure"], cookie["samesite"]) == ("en", "", "Lax")


def test_bench_pages_cannot_be_switched_on_in_production(tmp_path):
    result = run_in_production(
        tmp_path,
        "check",
        SECRET_KEY=A_SECRET_KEY,
        PAYMENT_GATEWAY_SECRET="g" * 40,
        HIGHLAND_BENCH_ENDPOINTS="true",
    )

    assert result.returncode != 0
    assert (
        "django.core.exceptions.ImproperlyConfigured: HIGHLAND_BENCH_ENDPOINTS cannot be on "
        "in the production profile; `make bench` uses the benchmark profile." in result.stderr
    )


def test_bench_pages_stay_off_in_production_by_default(tmp_path):
    assert production_settings(tmp_path, "BENCH_ENDPOINTS") == {"BENCH_ENDPOINTS": False}


def test_the_benchmark_profile_serves_the_bench_pages_with_production_settings(tmp_path):
    values = production_settings(
        tmp_path,
        "BENCH_ENDPOINTS",
        "IS_PRODUCTION",
        "SESSION_COOKIE_SECURE",
        HIGHLAND_PROFILE="benchmark",
        HIGHLAND_BENCH_ENDPOINTS="true",
    )

    assert values == {"BENCH_ENDPOINTS": True, "IS_PRODUCTION": True, "SESSION_COOKIE_SECURE": True}
