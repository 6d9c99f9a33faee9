"""The cooperative API at /api/v1/coops/, one router per part."""

from __future__ import annotations

from ninja import Router

from highland.coops.api import intake, members, selfservice, settlement

router = Router()
router.add_router("/", members.router)
router.add_router("/", intake.router)
router.add_router("/", settlement.router)
router.add_router("/", selfservice.router)
