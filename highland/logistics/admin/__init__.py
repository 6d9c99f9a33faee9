"""Logistics back office, one module per part."""

from highland.logistics.admin import (  # noqa: F401
    base,
    hub,
    plans,
    roads,
    tracking,
)
