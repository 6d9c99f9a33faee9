"""The township filter of the point list reads in the reader's language."""

from __future__ import annotations

import pytest

from highland.network.models import ServicePoint

BENGE = {"zh-hans": "奔戈乡", "bo": "དཔོན་སྒར་ཤང་", "en": "Benge"}


@pytest.mark.parametrize("language", BENGE)
def test_the_township_filter_is_labelled_in_the_readers_language(demo, client_as, language):
    response = client_as(demo.user("official")).get(
        "/network/points/", HTTP_ACCEPT_LANGUAGE=language
    )

    choices = dict(response.context["form"].fields["township"].choices)
    assert choices["奔戈乡"] == BENGE[language]
    assert f'<option value="奔戈乡">{BENGE[language]}</option>' in response.content.decode()


def test_filtering_by_a_township_still_uses_its_chinese_name(demo, client_as):
    response = client_as(demo.user("official")).get(
        "/network/points/", {"township": "奔戈乡"}, HTTP_ACCEPT_LANGUAGE="bo"
    )

    assert response.status_code == 200
    shown = {point.code for point in response.context["points"]}
    expected = set(
        ServicePoint.objects.filter(county=demo.county, township_zh="奔戈乡").values_list(
            "code", flat=True
        )
    )
    assert shown == expected
