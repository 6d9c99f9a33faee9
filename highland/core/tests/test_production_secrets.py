"""The production profile refuses to start without its secrets; `check --deploy` names them."""

from __future__ import annotations

import pytest
from django.core.checks import Error
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from highland.core.checks import check_production_secrets
from highland.core.tests.profiles import A_SECRET_KEY, run_in_production


def test_production_refuses_to_start_without_the_gateway_secret(tmp_path):
    result = run_in_production(tmp_path, "check", "--deploy", SECRET_KEY=A_SECRET_KEY)

    assert result.returncode != 0
    assert (
        "django.core.exceptions.ImproperlyConfigured: The production profile needs these "
        "secrets in the environment: PAYMENT_GATEWAY_SECRET." in result.stderr
    )


def test_production_names_every_missing_secret(tmp_path):
    result = run_in_production(tmp_path, "check", "--deploy")

    assert result.returncode != 0
    assert (
        "The production profile needs these secrets in the environment: "
        "SECRET_KEY, PAYMENT_GATEWAY_SECRET." in result.stderr
    )


def test_production_with_every_secret_passes_the_deploy_check(tmp_path):
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
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("", "PAYMENT_GATEWAY_SECRET is empty: set it in the environment."),
        (
            "sandbox-secret-not-for-production",
            "PAYMENT_GATEWAY_SECRET is the development sandbox's secret: set the "
            "merchant secret the gateway issued.",
        ),
    ],
)
def test_deploy_check_names_the_missing_secret(secret, message):
    with override_settings(PAYMENT_GATEWAY_SECRET=secret):
        problems = check_production_secrets(None)

    assert problems == [Error(message, id="highland.E001", obj="settings")]


def test_deploy_check_fails_the_check_command():
    with override_settings(PAYMENT_GATEWAY_SECRET=""), pytest.raises(SystemCheckError) as failure:
        call_command("check", "--deploy", "--tag", "security")

    assert "highland.E001" in str(failure.value)
    assert "PAYMENT_GATEWAY_SECRET is empty" in str(failure.value)


def test_deploy_check_passes_with_every_secret():
    with override_settings(PAYMENT_GATEWAY_SECRET="g" * 40, SECRET_KEY=A_SECRET_KEY):
        assert check_production_secrets(None) == []
