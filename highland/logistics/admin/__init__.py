"""Logistics back office, one module per part."""

from highland.logistics.admin import (
    base,  # noqa: F401
    plans,  # noqa: F401
    roads,  # noqa: F401
    tracking,  # noqa: F401
)
