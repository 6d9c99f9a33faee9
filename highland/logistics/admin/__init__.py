"""Logistics back office, one module per part."""

from highland.logistics.admin import base, hub, tracking  # noqa: F401
