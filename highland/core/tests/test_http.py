"""run_action_and_redirect: the one-button POST actions' flash-and-redirect."""

from __future__ import annotations

import pytest
from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.urls import reverse

from highland.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from highland.core.http import run_action_and_redirect


@pytest.fixture
def post(rf):
    """A POST request with a session and message storage, as the middleware leaves it."""
    request = rf.post("/somewhere/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def flashed(request):
    return [(message.level, message.message) for message in request._messages]


def test_success_flashes_the_text_and_redirects(post):
    calls = []

    response = run_action_and_redirect(
        post, lambda: calls.append("done"), "orders:payment", 7, success="Cash collected."
    )

    assert calls == ["done"]
    assert response.status_code == 302
    assert response.url == reverse("orders:payment", args=[7])
    assert flashed(post) == [(messages.SUCCESS, "Cash collected.")]


def test_success_text_can_be_made_from_the_result(post):
    response = run_action_and_redirect(
        post, lambda: "Ama", "orders:cart", success=lambda name: f"{name} now serves here."
    )

    assert response.url == reverse("orders:cart")
    assert flashed(post) == [(messages.SUCCESS, "Ama now serves here.")]


@pytest.mark.parametrize(
    "error",
    [ValidationFailed("Say why.", field="reason"), DomainError("Not now.")],
    ids=["validation-failed", "domain-error"],
)
def test_refusal_flashes_the_error_and_redirects_and_nothing_else(post, error):
    def refuse():
        raise error

    response = run_action_and_redirect(post, refuse, "orders:payment", 7, success="Done.")

    assert response.status_code == 302
    assert response.url == reverse("orders:payment", args=[7])
    assert flashed(post) == [(messages.ERROR, error.message)]


@pytest.mark.parametrize(
    "error",
    [PermissionDenied("You are not allowed to do this."), NotFound("No such order.")],
    ids=["403", "404"],
)
def test_permission_denied_and_not_found_propagate_for_the_error_page(post, error):
    def refuse():
        raise error

    with pytest.raises(type(error)) as raised:
        run_action_and_redirect(post, refuse, "orders:cart", success="Done.")

    assert raised.value is error
    assert flashed(post) == []


def test_other_exceptions_are_not_swallowed(post):
    def crash():
        raise ValueError("a bug, not a refusal")

    with pytest.raises(ValueError, match="a bug"):
        run_action_and_redirect(post, crash, "orders:cart", success="Done.")

    assert flashed(post) == []
