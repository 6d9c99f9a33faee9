"""System checks of this project, run by `manage.py check --deploy`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register


@register(Tags.security, deploy=True)
def check_production_secrets(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    """Every secret production needs is set, and none is the development sandbox's.

    The production profile already refuses to start without them; this check also
    catches settings changed after start and a deployment tried with other settings.
    """
    problems: list[CheckMessage] = []
    for name in settings.PRODUCTION_SECRETS:
        value = getattr(settings, name, "")
        if not value:
            problems.append(
                Error(
                    f"{name} is empty: set it in the environment.",
                    id="highland.E001",
                    obj="settings",
                )
            )
    if settings.PAYMENT_GATEWAY_SECRET == settings.DEVELOPMENT_GATEWAY_SECRET:
        problems.append(
            Error(
                "PAYMENT_GATEWAY_SECRET is the development sandbox's secret: set the "
                "merchant secret the gateway issued.",
                id="highland.E001",
                obj="settings",
            )
        )
    if (
        getattr(settings, "SMS_BACKEND", "log") == "http"
        and settings.SMS_GATEWAY_SECRET == settings.DEVELOPMENT_SMS_SECRET
    ):
        problems.append(
            Error(
                "SMS_GATEWAY_SECRET is the development SMS sandbox's secret: set the "
                "secret the SMS gateway issued.",
                id="highland.E001",
                obj="settings",
            )
        )
    return problems
