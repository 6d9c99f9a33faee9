"""The one registry apps plug into, and the state machine every status field uses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import models

from highland.core.errors import ValidationFailed
from highland.core.hooks import Hook
from highland.core.statemachine import StateMachine
from highland.orders.models import ORDER_MACHINE, Order, OrderStatus


def test_a_hook_keeps_registration_order_and_refuses_a_second_item_under_a_key():
    hook: Hook[int] = Hook("numbers")
    hook.register("b", 2)
    hook.register("a", 1)
    hook.register("b", 2)  # the same item again: no change

    assert hook.items() == [("b", 2), ("a", 1)]
    assert "a" in hook and "c" not in hook
    with pytest.raises(ValueError, match="'b' is already registered"):
        hook.register("b", 3)
    with pytest.raises(KeyError, match="nothing registered as 'c'"):
        hook.get("c")


def test_a_hook_registers_as_a_decorator():
    hook: Hook[object] = Hook("checks")

    @hook.register("check")
    def check() -> None:
        return None

    assert hook.get("check") is check


class Light(models.TextChoices):
    RED = "red", "Red"
    GREEN = "green", "Green"


def test_a_machine_refuses_unknown_statuses_in_its_table():
    with pytest.raises(ValueError, match="unknown statuses"):
        StateMachine(Light, {"red": frozenset({"blue"})})


def test_a_move_stamps_its_time_and_returns_the_fields_to_save():
    order = Order(status=OrderStatus.PENDING_PAYMENT)
    moment = dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.UTC)

    fields = ORDER_MACHINE.move(order, OrderStatus.PAID, now=moment)

    assert fields == ["status", "paid_at"]
    assert order.status == OrderStatus.PAID
    assert order.paid_at == moment


def test_a_refused_move_changes_nothing():
    order = Order(status=OrderStatus.COMPLETED)

    with pytest.raises(ValidationFailed) as refusal:
        ORDER_MACHINE.move(order, OrderStatus.CANCELLED)

    assert refusal.value.code == "bad_transition"
    assert refusal.value.message == "This order is Completed and cannot become Cancelled."
    assert order.status == OrderStatus.COMPLETED
    assert order.cancelled_at is None
    assert ORDER_MACHINE.is_final(OrderStatus.COMPLETED)
    assert not ORDER_MACHINE.can_move(order, OrderStatus.CANCELLED)
