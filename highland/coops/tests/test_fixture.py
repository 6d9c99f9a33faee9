from typing import Any

import pytest

from highland.core.permissions import allowed

pytestmark = pytest.mark.django_db


def test_fixture_builds_two_cooperatives_apart(coop: Any) -> None:
    assert len(coop.members) == 3
    assert allowed(coop.manager, "coops.manage_cooperative", coop.cooperative)
    assert not allowed(coop.other_manager, "coops.manage_cooperative", coop.cooperative)
    assert not allowed(coop.manager, "coops.view_member", coop.other_member)
    assert allowed(coop.members[0].head, "coops.view_member", coop.members[0])
    assert not allowed(coop.members[0].head, "coops.view_member", coop.members[1])
