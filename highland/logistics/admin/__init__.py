"""Logistics back office, one module per part."""

from highland.logistics.admin import (  # noqa: F401
    base,
    coldchain,
    hub,
    plans,
    roads,
    tracking,
)
