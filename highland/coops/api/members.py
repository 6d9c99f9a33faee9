"""The cooperative API: members."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["cooperatives"])
