"""Highland: a county's rural e-commerce service system."""

from highland.celery import app as celery_app

__all__ = ["celery_app"]
