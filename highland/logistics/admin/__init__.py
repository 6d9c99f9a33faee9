"""Logistics back office, one module per part."""

from highland.logistics.admin import base  # noqa: F401
from highland.logistics.admin import hub  # noqa: F401
