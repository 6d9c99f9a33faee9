"""The dispatcher's form for an ad hoc road closure."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from highland.core.models import County
from highland.logistics.models import RoadEdge

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class EdgeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return edge_label(obj)


def edge_label(edge: RoadEdge) -> str:
    """A road by its two ends' names (and its road number): "理塘 – 萨戈村 (G318)"."""
    ends = f"{edge.from_node.name} – {edge.to_node.name}"
    return f"{ends} ({edge.road_name})" if edge.road_name else ends


class ClosureForm(forms.Form):
    edge = EdgeChoiceField(
        queryset=RoadEdge.objects.none(),
        label=_("Road (its two ends)"),
        empty_label=_("Choose the road"),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("For example: landslide, snow on the pass, road works."),
    )
    ends_at = forms.DateTimeField(
        label=_("Closed until"),
        required=False,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text=_("Leave empty to keep it closed until you lift it."),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, county: County, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", secrets.token_urlsafe(16))
        super().__init__(*args, **kwargs)
        edges = RoadEdge.objects.filter(county=county).select_related("from_node", "to_node")
        field = self.fields["edge"]
        assert isinstance(field, EdgeChoiceField)
        field.queryset = edges
        # By name, so a dispatcher finds the road by its ends.
        field.choices = [
            ("", field.empty_label),
            *sorted(((edge.pk, edge_label(edge)) for edge in edges), key=lambda c: c[1]),
        ]
