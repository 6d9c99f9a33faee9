"""Who sees text messages (loaded by rules' autodiscovery)."""

from __future__ import annotations

from highland.core.permissions import add_rule, is_centre_operator

# Operators see every message of their county; others see the messages they caused.
add_rule("messaging.view_county_messages", is_centre_operator)
