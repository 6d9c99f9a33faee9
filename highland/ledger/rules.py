"""Permissions on the ledger (loaded by rules' autodiscovery)."""

from __future__ import annotations

from highland.core.permissions import add_rule, is_centre_operator, is_county_official

add_rule("ledger.view_ledger", is_centre_operator | is_county_official)
