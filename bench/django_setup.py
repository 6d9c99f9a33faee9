"""Django set-up for the bench steps that call Highland's code in-process."""

from __future__ import annotations

import os


def setup() -> None:
    """Configure Django from the environment run.sh exports (the bench database)."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("bench: DATABASE_URL must point at the bench PostgreSQL database")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "highland.settings")
    import django

    django.setup()
