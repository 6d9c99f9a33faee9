"""Logistics back office, one module per part."""

from highland.logistics.admin import (
    base,  # noqa: F401
    coldchain,  # noqa: F401
)
