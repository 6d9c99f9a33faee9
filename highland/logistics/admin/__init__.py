"""Logistics back office, one module per part."""

from highland.logistics.admin import base, tracking  # noqa: F401
