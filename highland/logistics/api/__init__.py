"""The logistics API at /api/v1/logistics/, one router per part."""

from __future__ import annotations

from ninja import Router

from highland.logistics.api import coldchain, hub, plans, roads, tracking

router = Router()
router.add_router("/", tracking.router)
router.add_router("/", roads.router)
router.add_router("/", hub.router)
router.add_router("/", plans.router)
router.add_router("/", coldchain.router)
