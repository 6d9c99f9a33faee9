"""WSGI entry point for gunicorn with sync workers (README, "Production server")."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "highland.settings")
application = get_wsgi_application()
