"""The logistics API at /api/v1/logistics/, one router per part."""

from __future__ import annotations

from ninja import Router

from highland.logistics.api import coldchain

router = Router()
router.add_router("/", coldchain.router)
