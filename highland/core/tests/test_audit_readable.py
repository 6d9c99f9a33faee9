"""The audit trail as an official reads it: labels for every action, translated object
types, links to objects, changes as "field: from → to", and the same in the API."""

from __future__ import annotations

import ast
import pathlib

import pytest
from django.db import transaction
from django.utils import translation

from highland.core import audit, auditdisplay
from highland.core.models import AuditRecord
from highland.messaging.models import TextMessageStatus
from highland.network import services as network_services
from highland.orders.models import AfterSaleStatus, OrderStatus
from highland.payments.models import PaymentStatus

SOURCE = pathlib.Path(__file__).resolve().parents[2]
AUDIT_CALLS = {"record", "save_changes"}
# Actions spelled with a status: every status of the model's choices needs a label.
STATUS_FAMILIES = {
    "orders.order.": OrderStatus,
    "orders.aftersale.": AfterSaleStatus,
    "payments.payment.": PaymentStatus,
    "messaging.text.": TextMessageStatus,
}


def _strings(node: ast.AST) -> list[str]:
    """The action strings an expression can be: constants, both arms of an if."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def _prefix(node: ast.AST) -> str | None:
    """The constant start of an f-string action such as f"orders.order.{status}"."""
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def used_actions() -> tuple[set[str], set[str]]:
    """Every action passed to audit.record / save_changes in the code, and f-string families."""
    actions: set[str] = set()
    families: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assigned: dict[str, list[str]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name) and target.id == "action":
                    assigned.setdefault("action", []).extend(_strings(node.value))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            # audit.record(...) and audit.save_changes(...); bare names only inside audit.py.
            func = node.func
            if isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "audit":
                name = func.attr
            elif isinstance(func, ast.Name) and path.name == "audit.py":
                name = func.id
            else:
                continue
            if name not in AUDIT_CALLS:
                continue
            argument = next((kw.value for kw in node.keywords if kw.arg == "action"), None)
            if argument is None and name == "record" and len(node.args) >= 2:
                argument = node.args[1]
            if argument is None:
                continue
            if isinstance(argument, ast.Name):
                actions.update(assigned.get(argument.id, []))
            elif (prefix := _prefix(argument)) is not None:
                families.add(prefix)
            else:
                actions.update(_strings(argument))
    return actions, families


def test_every_audit_action_in_the_code_has_a_label():
    actions, families = used_actions()

    assert len(actions) > 60  # the scan found the code's actions
    assert sorted(action for action in actions if action not in audit.ACTION_LABELS) == []
    assert families <= set(STATUS_FAMILIES)


@pytest.mark.parametrize("prefix", sorted(STATUS_FAMILIES))
def test_every_status_an_action_is_spelled_with_has_a_label(prefix):
    missing = [
        f"{prefix}{status}"
        for status in STATUS_FAMILIES[prefix].values
        if f"{prefix}{status}" not in audit.ACTION_LABELS
    ]

    assert missing == []


def test_an_unknown_action_reads_as_its_code():
    assert audit.action_label("network.point.poked") == "network.point.poked"


@pytest.fixture
def point_update(demo):
    network_services.update_service_point(
        demo.point("LT-S02"),
        {"connectivity": "none", "altitude_m": 3888},
        actor=demo.user("operator"),
    )
    return AuditRecord.objects.get(action="network.point.updated")


def test_a_record_reads_with_labels_link_and_changes(demo, point_update):
    point = demo.point("LT-S02")
    old_connectivity = point_update.changes["connectivity"]["from"]

    [item] = auditdisplay.readable([point_update])

    assert item.action_label == "Service point details changed"
    assert item.object_type_label == "Service point"
    assert item.object_url == f"/network/points/{point.pk}/"
    assert {change.field: (change.label, change.old, change.new) for change in item.changes} == {
        "connectivity": (
            "Connectivity",
            {"none": "No signal", "2g": "2G", "3g": "3G", "4g": "4G", "broadband": "Broadband"}[
                old_connectivity
            ],
            "No signal",
        ),
        "altitude_m": (
            "Altitude (m)",
            str(point_update.changes["altitude_m"]["from"]),
            "3888",
        ),
    }


def test_facts_show_their_value_and_fen_as_yuan(demo):
    with transaction.atomic():
        record = audit.record(
            demo.user("operator"),
            "payments.refund.requested",
            demo.point("LT-C"),
            {"amount_fen": 12345, "reason": "Broken", "done": True, "gone": None},
        )

    [item] = auditdisplay.readable([record])

    assert [(change.label, change.old, change.new) for change in item.changes] == [
        ("Amount", None, "¥123.45"),
        ("Reason", None, "Broken"),
        ("done", None, "yes"),
        ("gone", None, "—"),
    ]
    assert item.object_url.startswith("/network/points/")


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("bo", ["ཞབས་ཞུ་ས་ཚིགས།", "དྲ་རྒྱའི་སྦྲེལ་མཐུད།"]),
        ("zh-hans", ["服务点", "网络连接"]),
        ("en", ["Service point details changed", "Connectivity: ", " → No signal"]),
    ],
)
def test_the_audit_page_reads_in_each_language(demo, client_as, point_update, language, texts):
    response = client_as(demo.user("official")).get("/audit/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    page = response.content.decode()
    assert all(text in page for text in texts), [text for text in texts if text not in page]
    assert f'href="/network/points/{demo.point("LT-S02").pk}/"' in page


def test_the_audit_page_filters_by_person_action_and_date(demo, client_as, point_update):
    client = client_as(demo.user("official"))

    response = client.get(
        "/audit/",
        {
            "action": "network.point.updated",
            "actor": "operator",
            "since": point_update.created_at.date().isoformat(),
        },
    )

    assert [item.record.pk for item in response.context["records"]] == [point_update.pk]
    form = response.context["form"]
    assert ("network.point.updated", "Service point details changed") in form.fields[
        "action"
    ].choices
    assert ("operator", str(demo.user("operator"))) in form.fields["actor"].choices


def test_an_unknown_filter_value_is_refused_not_ignored(demo, client_as, point_update):
    response = client_as(demo.user("official")).get("/audit/", {"action": "core.made.up"})

    assert response.status_code == 200
    assert response.context["form"].errors["action"]


# --- API ------------------------------------------------------------------------------


def test_anonymous_callers_get_401_from_the_audit_api(demo, client_as):
    response = client_as(None).get("/api/v1/audit/")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("username", ["agent", "seller", "buyer"])
def test_other_roles_get_403_from_the_audit_api(demo, client_as, username):
    response = client_as(demo.user(username)).get("/api/v1/audit/")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_an_outsider_sees_only_their_own_county(demo, other_county, client_as, point_update):
    response = client_as(other_county.operator).get("/api/v1/audit/")

    assert response.status_code == 200
    assert point_update.pk not in [item["id"] for item in response.json()["items"]]


@pytest.mark.parametrize("username", ["official", "operator"])
def test_the_audit_api_gives_the_readable_form(demo, client_as, point_update, username):
    response = client_as(demo.user(username)).get(
        "/api/v1/audit/", {"action": "network.point.updated", "limit": 5}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["limit"], body["offset"]) == (1, 5, 0)
    [item] = body["items"]
    assert item["action_label"] == "Service point details changed"
    assert item["object_type_label"] == "Service point"
    assert item["object_url"] == f"/network/points/{demo.point('LT-S02').pk}/"
    assert item["actor"] == str(demo.user("operator"))
    assert {"field": "connectivity", "label": "Connectivity", "new": "No signal"}.items() <= (
        next(change for change in item["changes"] if change["field"] == "connectivity").items()
    )
    assert item["data"] == point_update.changes


def test_the_audit_api_speaks_tibetan(demo, client_as, point_update):
    response = client_as(demo.user("official")).get(
        "/api/v1/audit/", {"action": "network.point.updated"}, HTTP_ACCEPT_LANGUAGE="bo"
    )

    [item] = response.json()["items"]
    assert item["object_type_label"] == "ཞབས་ཞུ་ས་ཚིགས།"


def test_the_audit_api_refuses_an_inverted_date_range(demo, client_as):
    response = client_as(demo.user("official")).get(
        "/api/v1/audit/", {"since": "2026-02-01", "until": "2026-01-01"}
    )

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["since"]


def test_labels_follow_the_language():
    with translation.override("en"):
        assert audit.action_label("orders.order.paid") == "Order paid"
