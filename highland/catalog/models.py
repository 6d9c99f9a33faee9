"""The catalogue: sellers, categories, products with their SKUs (price and stock) and photos."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from highland.core.i18n import TrilingualName, localized
from highland.core.models import County, Organisation, User
from highland.core.statemachine import StateMachine
from highland.core.storage import private_storage
from highland.network.models import ServicePoint

BASIS_POINTS = 10_000  # 100 %
# Upper bounds that keep every amount far inside a signed 64-bit integer.
MAX_PRICE_FEN = 100_000_000  # ¥1,000,000 for one unit (or 500 g)
MAX_STOCK = 1_000_000_000  # units, or grams (1,000 t) for weight SKUs
MAX_UNIT_WEIGHT_G = 1_000_000  # the shipping weight of one unit: a tonne
GRAMS_PER_PRICE_UNIT = 500  # weight SKUs are priced per 斤 (500 g)


class SellerKind(models.TextChoices):
    ORGANISATION = "organisation", _("Organisation (cooperative or enterprise)")
    INDIVIDUAL = "individual", _("Individual farmer or herder")


class Seller(models.Model):
    """Who sells: a cooperative or enterprise, or one household represented by an agent."""

    county = models.ForeignKey(
        County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="sellers"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=SellerKind.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sellers",
    )
    member = models.ForeignKey(
        User,
        verbose_name=_("farmer or herder"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sellers",
    )
    represented_by = models.ForeignKey(
        User,
        verbose_name=_("represented by (station agent)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="represented_sellers",
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_bo = models.CharField(_("name (Tibetan)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    commission_override_bp = models.PositiveIntegerField(
        _("commission override (basis points)"), null=True, blank=True
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("seller")
        verbose_name_plural = _("sellers")
        ordering = ["county_id", "name_zh"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="organisation", organisation__isnull=False, member__isnull=True)
                | Q(kind="individual", member__isnull=False, organisation__isnull=True),
                name="seller_organisation_or_member",
            ),
            models.CheckConstraint(
                condition=Q(commission_override_bp__isnull=True)
                | Q(commission_override_bp__lte=BASIS_POINTS),
                name="seller_commission_range",
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(organisation__isnull=False),
                name="seller_one_per_organisation",
            ),
            models.UniqueConstraint(
                fields=["member"], condition=Q(member__isnull=False), name="seller_one_per_member"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")


class Direction(models.TextChoices):
    UP = "up", _("Up: products from the villages")
    DOWN = "down", _("Down: goods for the villages")


class Category(TrilingualName):
    county = models.ForeignKey(
        County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="categories"
    )
    code = models.SlugField(_("code"), max_length=40)
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices)
    commission_bp = models.PositiveIntegerField(_("commission (basis points)"))
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["county_id", "direction", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["county", "code"], name="category_code_per_county"),
            models.CheckConstraint(
                condition=Q(commission_bp__lte=BASIS_POINTS), name="category_commission_range"
            ),
        ]


class StorageClass(models.TextChoices):
    AMBIENT = "ambient", _("Ambient")
    CHILLED = "chilled", _("Chilled (0–4 °C)")
    FROZEN = "frozen", _("Frozen (−18 °C or colder)")


class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("On sale")
    SUSPENDED = "suspended", _("Suspended")


# Which status a product may move to from each status:
# - a seller publishes a draft and withdraws a product from sale (back to draft);
# - the centre suspends a product on sale and lifts a suspension back to draft, from
#   where the seller corrects it and publishes again.
PRODUCT_TRANSITIONS: dict[str, frozenset[str]] = {
    ProductStatus.DRAFT: frozenset({ProductStatus.ACTIVE}),
    ProductStatus.ACTIVE: frozenset({ProductStatus.DRAFT, ProductStatus.SUSPENDED}),
    ProductStatus.SUSPENDED: frozenset({ProductStatus.DRAFT}),
}

PRODUCT_MACHINE = StateMachine(ProductStatus, PRODUCT_TRANSITIONS)


class Product(models.Model):
    county = models.ForeignKey(
        County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="products"
    )
    seller = models.ForeignKey(
        Seller, verbose_name=_("seller"), on_delete=models.PROTECT, related_name="products"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="products"
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_bo = models.CharField(_("name (Tibetan)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_bo = models.TextField(_("description (Tibetan)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    story_zh = models.TextField(_("story (Chinese)"), blank=True)
    story_bo = models.TextField(_("story (Tibetan)"), blank=True)
    story_en = models.TextField(_("story (English)"), blank=True)
    storage_class = models.CharField(
        _("storage"), max_length=10, choices=StorageClass.choices, default=StorageClass.AMBIENT
    )
    shelf_life_days = models.PositiveIntegerField(
        _("shelf life (days)"), null=True, blank=True, help_text=_("Empty if it does not perish.")
    )
    origin_point = models.ForeignKey(
        ServicePoint,
        verbose_name=_("origin"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products_from_here",
    )
    # Copied from the origin point, so a product keeps the altitude it was sold with.
    origin_altitude_m = models.PositiveIntegerField(_("origin altitude (m)"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ProductStatus.choices, default=ProductStatus.DRAFT
    )
    # Names in three languages, pinyin, initials, category and origin names; kept by
    # search.index_product, which every service that writes a product calls.
    search_text = models.TextField(_("search text"), blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(shelf_life_days__isnull=True) | Q(shelf_life_days__gt=0),
                name="product_shelf_life_positive",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ProductStatus.values), name="product_status_known"
            ),
        ]
        indexes = [
            models.Index(fields=["county", "status", "category"]),
            models.Index(fields=["county", "status", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def description(self) -> str:
        return localized(self, "description")

    @property
    def story(self) -> str:
        return localized(self, "story")

    @property
    def is_on_sale(self) -> bool:
        return self.status == ProductStatus.ACTIVE

    def transition(self, new_status: str) -> str:
        """Set the status if PRODUCT_MACHINE allows the move; returns the old one.

        Raises ValidationFailed (code `bad_transition`) and changes nothing otherwise.
        The caller saves.
        """
        old_status = self.status
        PRODUCT_MACHINE.move(self, new_status)
        return old_status


class SellingUnit(models.TextChoices):
    PIECE = "piece", _("Piece")
    PACK = "pack", _("Pack")
    WEIGHT = "weight", _("By weight (price per 500 g)")


class Sku(models.Model):
    """One variant on sale: its price and its stock (units, or grams when sold by weight)."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="skus"
    )
    county = models.ForeignKey(
        County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="skus"
    )
    code = models.CharField(_("code"), max_length=40)
    label_zh = models.CharField(_("label (Chinese)"), max_length=120)
    label_bo = models.CharField(_("label (Tibetan)"), max_length=200, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=120, blank=True)
    selling_unit = models.CharField(
        _("selling unit"), max_length=10, choices=SellingUnit.choices, default=SellingUnit.PACK
    )
    # Integer fen; for weight SKUs the price of 500 g.
    price_fen = models.BigIntegerField(_("price (fen)"))
    # Shipping weight of one piece or pack; weight SKUs weigh what is ordered.
    unit_weight_g = models.PositiveIntegerField(_("weight of one unit (g)"), null=True, blank=True)
    # Units on hand, or grams for weight SKUs. Changed only by conditional F() updates.
    stock = models.BigIntegerField(_("stock"), default=0)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")
        ordering = ["product_id", "price_fen", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="sku_stock_not_negative"),
            models.CheckConstraint(condition=Q(price_fen__gt=0), name="sku_price_positive"),
            models.CheckConstraint(
                condition=Q(selling_unit="weight", unit_weight_g__isnull=True)
                # IS NOT NULL spelled out: a NULL comparison would let the check pass.
                | (~Q(selling_unit="weight") & Q(unit_weight_g__isnull=False, unit_weight_g__gt=0)),
                name="sku_unit_weight_by_selling_unit",
            ),
            models.UniqueConstraint(fields=["county", "code"], name="sku_code_per_county"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def label(self) -> str:
        return localized(self, "label")

    @property
    def sold_by_weight(self) -> bool:
        return self.selling_unit == SellingUnit.WEIGHT


class LotOrigin(models.TextChoices):
    """Where a stock lot's goods came from. `origin_id` names the source row of the app
    that owns it (a cooperative's produce lot or processing run): catalog sits below the
    apps that make lots, so it keeps their id, not a foreign key."""

    OPENING = "opening", _("Opening stock")
    SELLER = "seller", _("Received from the seller")
    COOP_LOT = "coop_lot", _("Cooperative produce lot")
    PROCESSING_RUN = "processing_run", _("Processing run")


class StockLot(models.Model):
    """Goods of one SKU received together: the stock the marketplace can trace back.

    `on_hand` counts what is physically there (units, or grams for a SKU sold by weight),
    reserved or not. The SKU's `stock` stays the sellable total checkout reserves against
    (ADR 0001); packing takes goods out of lots (ADR 0010). Invariant, per SKU:
    sku.stock + reserved-but-unpacked = Σ lot.on_hand.
    """

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="stock_lots")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="lots")
    code = models.CharField(_("lot code"), max_length=40)
    received_quantity = models.BigIntegerField(_("quantity received"))
    on_hand = models.BigIntegerField(_("on hand"))
    received_on = models.DateField(_("received on"))
    best_before = models.DateField(_("best before"), null=True, blank=True)
    origin = models.CharField(_("origin"), max_length=20, choices=LotOrigin.choices)
    origin_id = models.BigIntegerField(_("origin record"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("stock lot")
        verbose_name_plural = _("stock lots")
        ordering = ["sku_id", "best_before", "received_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["county", "code"], name="stock_lot_code_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_lot_not_negative"),
            models.CheckConstraint(
                condition=Q(received_quantity__gte=0), name="stock_lot_received_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["sku", "on_hand"])]

    def __str__(self) -> str:
        return self.code


def photo_path(photo: ProductPhoto, filename: str) -> str:
    return f"catalog/photos/{photo.county_id}/{photo.product_id}/{filename}"


def thumbnail_path(photo: ProductPhoto, filename: str) -> str:
    return f"catalog/thumbnails/{photo.county_id}/{photo.product_id}/{filename}"


class ProductPhoto(models.Model):
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="photos"
    )
    county = models.ForeignKey(
        County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="product_photos"
    )
    image = models.ImageField(_("photo"), upload_to=photo_path, max_length=255)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=thumbnail_path, max_length=255)
    # Stored so pages can give width and height without opening the file.
    thumbnail_width = models.PositiveIntegerField(default=0)
    thumbnail_height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("product photo")
        verbose_name_plural = _("product photos")
        ordering = ["product_id", "position", "id"]

    def __str__(self) -> str:
        return f"{self.product} #{self.position}"


class ConsentMethod(models.TextChoices):
    SIGNATURE = "signature", _("Signature (photo of the signed form)")
    THUMBPRINT = "thumbprint", _("Thumbprint (photo)")
    WITNESS = "witness", _("Witness")


def consent_evidence_path(consent: ListingConsent, filename: str) -> str:
    return f"catalog/consent/{consent.county_id}/{uuid.uuid4().hex}.webp"


class ListingConsent(models.Model):
    """A farmer's or herder's consent that their agent lists their produce for sale:
    who gave it, when, how, and who recorded it. Without one, an individual seller's
    product cannot go on sale."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="listing_consents")
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="consents")
    # Empty: the consent covers every product of the seller.
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="consents"
    )
    given_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="consents_given")
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="consents_recorded"
    )
    method = models.CharField(
        _("how consent was given"), max_length=12, choices=ConsentMethod.choices
    )
    # Private: a signature or thumbprint is served only through a view that checks access.
    evidence = models.ImageField(
        _("evidence photo"),
        upload_to=consent_evidence_path,
        storage=private_storage,
        blank=True,
    )
    witness_name = models.CharField(_("witness"), max_length=60, blank=True)
    given_at = models.DateTimeField(_("given at"))
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("listing consent")
        verbose_name_plural = _("listing consents")
        ordering = ["-given_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(method="witness", witness_name__gt="")
                | (~Q(method="witness") & ~Q(evidence="")),
                name="consent_has_its_evidence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.given_by} → {self.seller} ({self.get_method_display()})"
