"""Forms of the shop and the seller pages. They parse input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from highland.core.money import YuanField
from highland.network.models import ServicePoint

from .models import (
    MAX_STOCK,
    MAX_UNIT_WEIGHT_G,
    Category,
    ProductStatus,
    Seller,
    SellingUnit,
    StorageClass,
)
from .search import MAX_QUERY_LENGTH

PRICE_INPUT = forms.TextInput(attrs={"maxlength": 12, "inputmode": "decimal"})
SORT_CHOICES = [
    ("relevance", _("Best match")),
    ("price_asc", _("Price: low to high")),
    ("price_desc", _("Price: high to low")),
    ("newest", _("Newest")),
]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=MAX_QUERY_LENGTH)
    category = forms.ChoiceField(label=_("Category"), required=False, choices=())
    origin = forms.ModelChoiceField(
        label=_("Origin"),
        required=False,
        queryset=ServicePoint.objects.none(),
        empty_label=_("Anywhere"),
    )
    min_price = YuanField(
        label=_("Lowest price (¥)"),
        required=False,
        min_fen=0,
        widget=forms.TextInput(attrs={"maxlength": 12, "inputmode": "decimal"}),
    )
    max_price = YuanField(
        label=_("Highest price (¥)"),
        required=False,
        min_fen=0,
        widget=forms.TextInput(attrs={"maxlength": 12, "inputmode": "decimal"}),
    )
    in_stock = forms.BooleanField(label=_("In stock only"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(
        self,
        *args: Any,
        categories: QuerySet[Category],
        points: QuerySet[ServicePoint],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.categories = {category.code: category for category in categories}
        self.fields["category"].choices = [  # type: ignore[attr-defined]
            ("", _("All categories")),
            *[(code, category.name) for code, category in self.categories.items()],
        ]
        self.fields["origin"].queryset = points  # type: ignore[attr-defined]
        self.fields["origin"].label_from_instance = _point_label  # type: ignore[attr-defined]

    def selected_category(self) -> Category | None:
        return self.categories.get(self.cleaned_data.get("category") or "")


def _point_label(point: ServicePoint) -> str:
    return point.village or point.township or point.name


class ProductForm(forms.Form):
    """A product's details; `seller` is asked only when creating."""

    seller = forms.ModelChoiceField(label=_("Seller"), queryset=Seller.objects.none())
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=120)
    name_bo = forms.CharField(label=_("Name (Tibetan)"), max_length=200, required=False)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120, required=False)
    description_zh = forms.CharField(
        label=_("Description (Chinese)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    description_bo = forms.CharField(
        label=_("Description (Tibetan)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    description_en = forms.CharField(
        label=_("Description (English)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    story_zh = forms.CharField(
        label=_("Story (Chinese)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    story_bo = forms.CharField(
        label=_("Story (Tibetan)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    story_en = forms.CharField(
        label=_("Story (English)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    storage_class = forms.ChoiceField(label=_("Storage"), choices=StorageClass.choices)
    shelf_life_days = forms.IntegerField(
        label=_("Shelf life (days)"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=_("Leave empty if it does not perish."),
    )
    origin_point = forms.ModelChoiceField(
        label=_("Origin"), required=False, queryset=ServicePoint.objects.none()
    )

    def __init__(
        self,
        *args: Any,
        sellers: QuerySet[Seller] | None,
        categories: QuerySet[Category],
        points: QuerySet[ServicePoint],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if sellers is None:
            del self.fields["seller"]
        else:
            self.fields["seller"].queryset = sellers  # type: ignore[attr-defined]
            if sellers.count() == 1:
                self.fields["seller"].initial = sellers.first()
        self.fields["category"].queryset = categories  # type: ignore[attr-defined]
        self.fields["origin_point"].queryset = points  # type: ignore[attr-defined]
        self.fields["origin_point"].label_from_instance = _point_label  # type: ignore[attr-defined]


class SkuForm(forms.Form):
    code = forms.CharField(label=_("SKU code"), max_length=40)
    label_zh = forms.CharField(label=_("Variant (Chinese)"), max_length=120)
    label_bo = forms.CharField(label=_("Variant (Tibetan)"), max_length=200, required=False)
    label_en = forms.CharField(label=_("Variant (English)"), max_length=120, required=False)
    selling_unit = forms.ChoiceField(label=_("Sold by"), choices=SellingUnit.choices)
    price_fen = YuanField(
        label=_("Price (¥; per 500 g when sold by weight)"),
        min_fen=None,
        widget=PRICE_INPUT,
    )
    unit_weight_g = forms.IntegerField(
        label=_("Shipping weight of one unit (g)"),
        required=False,
        min_value=1,
        max_value=MAX_UNIT_WEIGHT_G,
        help_text=_("Leave empty when sold by weight."),
    )
    stock = forms.IntegerField(
        label=_("Opening stock (units, or grams when sold by weight)"),
        min_value=0,
        max_value=MAX_STOCK,
        initial=0,
    )


class SkuEditForm(forms.Form):
    label_zh = forms.CharField(label=_("Variant (Chinese)"), max_length=120)
    label_bo = forms.CharField(label=_("Variant (Tibetan)"), max_length=200, required=False)
    label_en = forms.CharField(label=_("Variant (English)"), max_length=120, required=False)
    price_fen = YuanField(
        label=_("Price (¥; per 500 g when sold by weight)"),
        min_fen=None,
        widget=PRICE_INPUT,
    )
    active = forms.BooleanField(label=_("On sale"), required=False)


STOCK_ACTIONS = [
    ("set", _("Set to a counted level")),
    ("add", _("Add")),
    ("remove", _("Remove")),
]


class StockForm(forms.Form):
    action = forms.ChoiceField(label=_("What to do"), choices=STOCK_ACTIONS, initial="set")
    quantity = forms.IntegerField(
        label=_("Quantity (units, or grams when sold by weight)"), min_value=0, max_value=MAX_STOCK
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class ReceiveLotForm(forms.Form):
    """Goods received into a new lot (ADR 0010)."""

    quantity = forms.IntegerField(
        label=_("Quantity received (units, or grams when sold by weight)"),
        min_value=1,
        max_value=MAX_STOCK,
    )
    best_before = forms.DateField(
        label=_("Best before (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    code = forms.CharField(
        label=_("Lot code (optional: made up when empty)"), max_length=40, required=False
    )
    # A second tap on a slow connection must not receive the goods twice.
    idempotency_key = forms.CharField(widget=forms.HiddenInput)


class PhotoForm(forms.Form):
    # A plain file field: the service checks size and type, with one set of messages.
    image = forms.FileField(label=_("Photo (JPEG, PNG or WebP, at most 8 MB)"))


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=ProductStatus.choices)
