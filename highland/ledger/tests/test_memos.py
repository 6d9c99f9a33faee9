"""Entry memos: codes with parameters, rendered in the reader's language."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from highland.core.errors import ValidationFailed
from highland.ledger import memos
from highland.ledger.models import Entry
from highland.ledger.services import post_entry

LANGUAGES = ["zh-hans", "bo", "en"]
NAME = {"zh": "奔戈乡电商服务站", "bo": "དཔོན་སྒར་ཤང་།", "en": "Benge Station"}
LINES = [("Assets:Bank", 500), ("Liabilities:BuyerClearing", -500)]


def sample_params(memo: memos.Memo) -> dict[str, object]:
    return {
        name: NAME
        if name in ("seller", "point")
        else next(iter(dict(memo.choices[name])))
        if name in memo.choices
        else f"<{name}>"
        for name in memo.params
    }


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", [code for code, _memo in memos.MEMOS.items()])
def test_every_memo_code_renders_without_leftover_placeholders(code, language):
    memo = memos.MEMOS.get(code)
    params = sample_params(memo)

    with translation.override(language):
        text = memos.render(code, params)

    assert "%(" not in text
    assert all(f"<{name}>" in text for name in memo.params if params[name] == f"<{name}>")


@pytest.mark.parametrize(("language", "expected"), [("zh-hans", "zh"), ("bo", "bo"), ("en", "en")])
def test_a_trilingual_parameter_is_shown_in_the_readers_language(language, expected):
    with translation.override(language):
        text = memos.render("payments.cash.shortage", {"point": NAME})

    assert NAME[expected] in text


def test_a_missing_translation_of_a_name_falls_back_to_chinese():
    with translation.override("bo"):
        text = memos.render(
            "payments.cash.shortage", {"point": {"zh": "奔戈乡", "bo": "", "en": ""}}
        )

    assert text == "奔戈乡 ནས་དངུལ་དངོས་ཆད་པ།"


def test_a_choices_parameter_shows_its_label():
    assert (
        memos.render("payments.payment.received", {"payment": "P1", "method": "gateway"})
        == "Payment P1 received (Online payment)"
    )


def test_a_legacy_memo_is_its_text_and_an_unknown_code_shows_its_data():
    assert memos.render(memos.LEGACY, {"text": "Order LT-1 paid"}) == "Order LT-1 paid"
    assert memos.render("nobody.knows.this", {"a": 1}) == "nobody.knows.this a=1"


def test_post_entry_stores_code_params_and_the_default_rendering(demo):
    entry = post_entry(
        demo.county,
        kind="payments.cash.shortage",
        memo_code="payments.cash.shortage",
        memo_params={"point": NAME},
        lines=LINES,
        actor=None,
    )

    entry = Entry.objects.get(pk=entry.pk)
    assert (entry.memo_code, entry.memo_params) == ("payments.cash.shortage", {"point": NAME})
    # The stored description is in the default language (Chinese); the memo follows the reader.
    assert entry.description == f"{NAME['zh']} 现金短款"
    with translation.override("bo"):
        assert entry.memo == f"{NAME['bo']} ནས་དངུལ་དངོས་ཆད་པ།"
    with translation.override("en"):
        assert entry.memo == f"Cash short at {NAME['en']}"


def test_a_bare_description_is_kept_as_a_legacy_memo(demo):
    entry = post_entry(
        demo.county, kind="orders.test.posted", description=" Paid ", lines=LINES, actor=None
    )

    assert (entry.memo_code, entry.memo_params, entry.description) == (
        "legacy",
        {"text": "Paid"},
        "Paid",
    )


@pytest.mark.parametrize(
    ("code", "params"),
    [
        ("no.such.memo", {}),
        ("payments.cash.shortage", {}),
        ("payments.cash.shortage", {"point": NAME, "extra": 1}),
    ],
)
def test_an_unknown_code_or_wrong_parameters_are_refused(demo, code, params):
    with pytest.raises(ValidationFailed) as refusal:
        post_entry(
            demo.county,
            kind="orders.test.posted",
            memo_code=code,
            memo_params=params,
            lines=LINES,
            actor=None,
        )

    assert refusal.value.code == "bad_memo"
    assert not Entry.objects.exists()


def test_the_data_migration_keeps_old_text_as_legacy_memos_and_can_run_again(demo):
    migration = importlib.import_module(
        "highland.ledger.migrations.0002_entry_memo_code_and_params"
    )
    entry = post_entry(
        demo.county,
        kind="orders.test.posted",
        description="Order LT-1 paid",
        lines=LINES,
        actor=None,
    )
    coded = post_entry(
        demo.county,
        kind="payments.cash.shortage",
        memo_code="payments.cash.shortage",
        memo_params={"point": NAME},
        lines=LINES,
        actor=None,
    )
    # As an entry posted before memos had codes: its text only.
    Entry._base_manager.filter(pk=entry.pk).update(memo_code="", memo_params={})

    # The migration's own models: historical ones, with plain managers.
    state = MigrationExecutor(connection).loader.project_state(
        ("ledger", "0002_entry_memo_code_and_params")
    )
    migration.memos_from_descriptions(state.apps, None)
    migration.memos_from_descriptions(state.apps, None)

    entry.refresh_from_db()
    coded.refresh_from_db()
    assert (entry.memo_code, entry.memo_params) == ("legacy", {"text": "Order LT-1 paid"})
    assert (coded.memo_code, coded.memo_params) == ("payments.cash.shortage", {"point": NAME})
