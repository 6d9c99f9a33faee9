"""The cooperative API: intake."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["cooperatives"])
