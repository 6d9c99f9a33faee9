"""Production with the HTTP SMS gateway refuses to start without its secret, and the deploy
check refuses the sandbox's."""

from __future__ import annotations

from django.core.checks import Error
from django.test import override_settings

from highland.core.checks import check_production_secrets
from highland.core.tests.profiles import A_SECRET_KEY, run_in_production
from highland.messaging import backends


def test_production_with_the_http_gateway_needs_its_secret(tmp_path):
    result = run_in_production(
        tmp_path,
        "check",
        "--deploy",
        SECRET_KEY=A_SECRET_KEY,
        PAYMENT_GATEWAY_SECRET="g" * 40,
        SMS_GATEWAY_URL="https://sms.example.cn",
    )

    assert result.returncode != 0
    assert (
        "The production profile needs these secrets in the environment: SMS_GATEWAY_SECRET."
        in result.stderr
    )


def test_production_with_the_log_backend_needs_no_sms_secret(tmp_path):
    result = run_in_production(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=A_SECRET_KEY,
        PAYMENT_GATEWAY_SECRET="g" * 40,
    )

    assert result.returncode == 0, result.stderr


def test_deploy_check_refuses_the_sandbox_secret():
    with override_settings(
        PAYMENT_GATEWAY_SECRET="g" * 40,
        SMS_BACKEND="http",
        SMS_GATEWAY_SECRET="sms-sandbox-secret-not-for-production",
        PRODUCTION_SECRETS=("SECRET_KEY", "PAYMENT_GATEWAY_SECRET", "SMS_GATEWAY_SECRET"),
    ):
        problems = check_production_secrets(None)

    assert problems == [
        Error(
            "SMS_GATEWAY_SECRET is the development SMS sandbox's secret: set the secret the "
            "SMS gateway issued.",
            id="highland.E001",
            obj="settings",
        )
    ]


def test_the_backend_follows_the_setting(settings):
    settings.SMS_BACKEND = "log"
    assert isinstance(backends.configured_backend(), backends.LogBackend)
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_SECRET = "s"
    assert isinstance(backends.configured_backend(), backends.HttpGatewayBackend)


def test_the_http_backend_refuses_an_empty_secret():
    import pytest

    with pytest.raises(ValueError, match="needs a secret"):
        backends.HttpGatewayBackend("http://127.0.0.1:8766", "a", "")


def test_a_report_signed_with_the_empty_key_is_refused():
    body = b"{}"
    signature = backends.sign("", "1700000000", body)

    assert backends.verify("", "1700000000", body, signature, now=1700000000) is False
