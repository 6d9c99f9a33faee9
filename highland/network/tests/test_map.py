"""The county map on a phone: zoom without JavaScript, labels that never collide, a legend."""

from __future__ import annotations

import itertools
import re

import pytest
from django.utils import translation

from highland.network.models import ServicePoint, Tier
from highland.network.svgmap import (
    HEIGHT,
    TIER_STYLE,
    WIDTH,
    Box,
    View,
    place_labels,
    project_points,
    render_county_map,
)


def _active_points(demo):
    return list(ServicePoint.objects.filter(county=demo.county, active=True).order_by("pk"))


def _views(points):
    """The whole county, every zoom around the centre, and the closest view of each station."""
    position = project_points(points)
    views = [View(), View(2), View(4)]
    views += [
        View(zoom, *position[point.pk]).clamped()
        for point in points
        if point.tier == Tier.TOWNSHIP_STATION
        for zoom in (2, 4)
    ]
    return position, views


@pytest.mark.parametrize("language", ["zh-hans", "bo", "en"])
def test_no_two_labels_overlap_nor_cover_a_marker_in_any_view(demo, language):
    points = _active_points(demo)
    with translation.override(language):
        position, views = _views(points)
        for view in views:
            labels = place_labels(points, position, view)

            for first, second in itertools.combinations(labels, 2):
                assert not first.box.overlaps(second.box), (view, first, second)
            for label in labels:
                assert label.box.inside(view.box), (view, label)
                for point in points:
                    x, y = position[point.pk]
                    radius = TIER_STYLE[Tier(point.tier)][1] / view.zoom
                    marker = Box(x - radius, y - radius, 2 * radius, 2 * radius)
                    assert not label.box.overlaps(marker), (view, label, point.code)


def test_zooming_in_labels_more_villages_and_the_closest_view_labels_them_all(demo):
    points = _active_points(demo)
    position = project_points(points)
    villages_of = {
        station.pk: [p for p in points if p.parent_id == station.pk]
        for station in points
        if station.tier == Tier.TOWNSHIP_STATION
    }

    labelled_whole = {label.point_id for label in place_labels(points, position, View())}
    labelled_close: set[int] = set()
    for station_pk in villages_of:
        view = View(4, *position[station_pk]).clamped()
        labelled_close |= {label.point_id for label in place_labels(points, position, view)}

    every_village = {p.pk for villages in villages_of.values() for p in villages}
    assert len(labelled_whole & every_village) < len(every_village)
    assert every_village <= labelled_close


def test_placement_is_deterministic(demo):
    points = _active_points(demo)
    position = project_points(points)

    first = place_labels(points, position, View(2, 300, 200))
    again = place_labels(list(reversed(points)), position, View(2, 300, 200))

    assert first == again


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ((None, None, None), View(1, WIDTH / 2, HEIGHT / 2)),
        (("2", "0", "0"), View(2, WIDTH / 4, HEIGHT / 4)),
        (("4", "10000", "240"), View(4, WIDTH - WIDTH / 8, 240)),
        (("3", "100", "100"), View()),
        (("x", "1", "1"), View()),
        (("2", "nan", "1"), View()),
        (("2", "inf", "1"), View()),
    ],
)
def test_view_from_the_query_string_is_clamped_or_ignored(query, expected):
    assert View.from_query(*query) == expected


def test_the_zoomed_view_box_is_the_svg_view_box(demo):
    points = _active_points(demo)

    svg = render_county_map(points, title="Litang", view=View(4, 100, 100), legend=False)

    assert 'viewBox="20 40 160 120"' in svg
    assert 'width="100%"' in svg
    assert 'class="legend"' not in svg


def test_map_page_zooms_with_links_and_every_point_links_to_its_page(demo, client_as):
    points = _active_points(demo)
    client = client_as(demo.user("agent"))

    whole = client.get("/network/map/").content.decode()
    zoomed = client.get("/network/map/", {"zoom": "2", "x": "320", "y": "240"}).content.decode()

    assert '<a class="button" href="?zoom=2&amp;x=320&amp;y=240">Zoom in</a>' in whole
    assert "Zoom out" not in whole
    assert 'href="?zoom=4&amp;x=320&amp;y=240">Zoom in</a>' in zoomed
    assert '<a class="button" href="?">Zoom out</a>' in zoomed
    assert '<a href="?zoom=2&amp;x=320&amp;y=120">North</a>' in zoomed
    assert 'viewBox="160 120 320 240"' in zoomed
    for html in (whole, zoomed):
        linked = set(re.findall(r'<a href="/network/points/(\d+)/" class="map-point"', html))
        assert linked == {str(point.pk) for point in points}
    stations = [p for p in points if p.tier == Tier.TOWNSHIP_STATION]
    assert whole.count('href="?zoom=4&amp;') == len(stations)


def test_map_legend_is_in_the_readers_language(demo, client_as):
    client = client_as(demo.user("agent"))

    with translation.override("bo"):
        html = client.get("/network/map/", HTTP_ACCEPT_LANGUAGE="bo").content.decode()
    english = client.get("/network/map/").content.decode()

    legend = re.search(r'<ul class="map-legend".*?</ul>', english, re.S)
    assert legend is not None
    assert "Township station" in legend.group(0)
    tibetan = re.search(r'<ul class="map-legend".*?</ul>', html, re.S)
    assert tibetan is not None
    assert "Township station" not in tibetan.group(0)
    assert re.search("[\u0f00-\u0fff]", tibetan.group(0))


def test_the_township_filter_names_townships_in_the_readers_language(demo, client_as):
    client = client_as(demo.user("agent"))

    html = client.get("/network/points/", HTTP_ACCEPT_LANGUAGE="bo").content.decode()

    assert '<option value="奔戈乡">དཔོན་སྒར་ཤང་</option>' in html
    filtered = client.get("/network/points/", {"township": "奔戈乡"}).content.decode()
    assert f'href="/network/points/{demo.point("LT-S01").pk}/"' in filtered
    assert f'href="/network/points/{demo.point("LT-S03").pk}/"' not in filtered
