"""Product search: one interface, `search_products`, with a backend for each database.

What is searched is `Product.search_text`, one lower-cased text per product built by
`build_search_text`: line 1 holds the names in Chinese, Tibetan and English, the full
pinyin of the Chinese name (with the readings of polyphonic characters as variants)
and the pinyin initials; line 2 the category names; line 3 the origin's names. A query
matches a product when every word of it is a substring of that text, or when the query
with its spaces removed is ("mao niu rou gan" finds "maoniurougan"). The matching rule
is the same on every backend, so a query finds the same products everywhere; the
backends differ in how fast they find them and in how they rank them.

- PostgreSQL: `search_text ILIKE '%word%'`, served by a GIN trigram index (`pg_trgm`,
  created by migration 0002 on PostgreSQL only), ranked by `word_similarity`.
- SQLite 3.34 or newer: an FTS5 table with the trigram tokenizer (created by migration
  0002 on SQLite only), which answers substring queries of three characters or more,
  ranked by bm25 (names weigh above category and origin; the hits are sorted in Python,
  see `_fts_ranks`). Words shorter than three characters (most Chinese words are two)
  cannot use a trigram index and fall back to LIKE on `search_text`.
- Any other database, or SQLite without the trigram tokenizer: LIKE on `search_text`.

The FTS table is kept in step by `index_product`, which every service that writes a
product calls in the same transaction. There are no signals. `rebuild_search_index`
(also `manage.py rebuild_catalog_search`) rebuilds everything, for instance after a
service point was renamed.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from pypinyin import Style, lazy_pinyin, pinyin

from highland.core.models import County
from highland.network.models import ServicePoint

from .models import Category, Product, ProductPhoto, ProductStatus, Sku

SEARCH_TABLE = "catalog_product_search"
SORTS = ("relevance", "price_asc", "price_desc", "newest")
MAX_PER_PAGE = 100
MAX_QUERY_LENGTH = 100
MAX_QUERY_WORDS = 8
# Polyphonic characters: the phrase-aware reading plus this many one-character variants.
MAX_PINYIN_VARIANTS = 12
FTS_MIN_LENGTH = 3  # the trigram tokenizer cannot match anything shorter


# --- the text that is searched -------------------------------------------------------------


def _han_readings(text: str) -> list[list[str]]:
    """Readings of each Chinese character of `text`, the phrase-aware one first."""
    primary = lazy_pinyin(text, style=Style.NORMAL, errors="ignore")
    every = pinyin(text, style=Style.NORMAL, heteronym=True, errors="ignore")
    readings: list[list[str]] = []
    for first, options in zip(primary, every, strict=False):
        ordered = [first, *(option for option in options if option != first)]
        readings.append([reading.lower() for reading in dict.fromkeys(ordered)])
    return readings


def pinyin_forms(text: str) -> tuple[list[str], list[str]]:
    """Full pinyin and initials of the Chinese characters in `text`, without spaces.

    The first form is the phrase-aware reading (`lazy_pinyin`); then come variants that
    read one polyphonic character differently, because pypinyin's guess is sometimes
    wrong for product names (it reads 藏茶 as "cangcha"; buyers type "zangcha").
    """
    readings = _han_readings(text)
    if not readings:
        return [], []
    primary = [options[0] for options in readings]
    variants = [primary]
    for index, options in enumerate(readings):
        for alternative in options[1:]:
            if len(variants) > MAX_PINYIN_VARIANTS:
                break
            variants.append([*primary[:index], alternative, *primary[index + 1 :]])
    full = list(dict.fromkeys("".join(syllables) for syllables in variants))
    initials = list(dict.fromkeys("".join(s[0] for s in syllables if s) for syllables in variants))
    return full, initials


def _plain(text: str) -> str:
    """NFKC (full-width to half-width), lower case, single spaces, no control characters.

    Control characters go because neither database can search for them: PostgreSQL
    refuses NUL in text and FTS5 ends a string at it.
    """
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = "".join(" " if unicodedata.category(char) == "Cc" else char for char in text)
    return " ".join(text.split())


def _line(*parts: str) -> str:
    # " | " between parts, so that a query without "|" cannot match across two names.
    return " | ".join(part.strip() for part in parts if part and part.strip())


def build_search_text(product: Product) -> str:
    """The lower-cased text every backend searches (see the module docstring)."""
    full, initials = pinyin_forms(product.name_zh)
    names = _line(product.name_zh, product.name_bo, product.name_en, *full, *initials)
    category_parts: list[str] = []
    category: Category | None = product.category
    depth = 0
    while category is not None and depth < 3:
        category_parts += [category.name_zh, category.name_bo, category.name_en]
        category_parts += pinyin_forms(category.name_zh)[0][:1]
        category, depth = category.parent, depth + 1
    origin_parts: list[str] = []
    point: ServicePoint | None = product.origin_point
    if point is not None:
        for stem in ("name", "village", "township"):
            origin_parts += [getattr(point, f"{stem}_{suffix}") for suffix in ("zh", "bo", "en")]
        origin_parts += pinyin_forms(point.village_zh)[0][:1]
        origin_parts += pinyin_forms(point.township_zh)[0][:1]
    lines = [names, _line(*category_parts), _line(*origin_parts)]
    # One line per part (the FTS columns split on them); no control characters inside.
    return "\n".join(_plain(line) for line in lines)


# --- keeping the index in step -------------------------------------------------------------


def _using(product: Product) -> str:
    return product._state.db or "default"


_fts_tables: dict[tuple[str, str], bool] = {}


def has_fts_table(using: str = "default") -> bool:
    """Whether this SQLite database has the trigram FTS table (migration 0002 made it)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    key = (using, str(connection.settings_dict["NAME"]))
    if key not in _fts_tables:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [SEARCH_TABLE]
            )
            _fts_tables[key] = cursor.fetchone() is not None
    return _fts_tables[key]


def backend_name(using: str = "default") -> str:
    """Which search backend serves this database: postgresql, sqlite_fts or like."""
    vendor = connections[using].vendor
    if vendor == "postgresql":
        return "postgresql"
    if vendor == "sqlite" and has_fts_table(using):
        return "sqlite_fts"
    return "like"


def _fts_columns(search_text: str) -> tuple[str, str]:
    names, _newline, context = search_text.partition("\n")
    return names, context


def _write_fts_row(using: str, product_id: int, search_text: str) -> None:
    names, context = _fts_columns(search_text)
    with connections[using].cursor() as cursor:
        cursor.execute(f"DELETE FROM {SEARCH_TABLE} WHERE rowid = %s", [product_id])  # noqa: S608
        cursor.execute(
            f"INSERT INTO {SEARCH_TABLE} (rowid, names, context) VALUES (%s, %s, %s)",  # noqa: S608
            [product_id, names, context],
        )


def index_product(product: Product) -> None:
    """Recompute the product's search text and the FTS row. Call in the writing transaction."""
    text = build_search_text(product)
    if text != product.search_text:
        product.search_text = text
        Product.objects.using(_using(product)).filter(pk=product.pk).update(search_text=text)
    if backend_name(_using(product)) == "sqlite_fts":
        _write_fts_row(_using(product), product.pk, text)


def rebuild_search_index(county: County | None = None, *, using: str = "default") -> int:
    """Rebuild search_text (and the FTS rows) of every product, or of one county's."""
    products = Product.objects.using(using).select_related(
        "category__parent__parent", "origin_point"
    )
    if county is not None:
        products = products.filter(county=county)
    count = 0
    for product in products.iterator(chunk_size=500):
        index_product(product)
        count += 1
    return count


# --- queries -------------------------------------------------------------------------------


def normalise_query(text: str) -> str:
    """Full-width to half-width, lower case, no control characters, single spaces.

    At most MAX_QUERY_LENGTH characters.
    """
    return _plain(text)[:MAX_QUERY_LENGTH].strip()


@dataclass(frozen=True)
class ParsedQuery:
    words: tuple[str, ...]
    compact: str  # the words joined without spaces: "mao niu rou gan" -> "maoniurougan"

    @property
    def alternatives(self) -> list[tuple[str, ...]]:
        """Each alternative matches when all its parts are substrings of search_text."""
        options = [self.words]
        if len(self.words) > 1:
            options.append((self.compact,))
        return options


def parse_query(text: str) -> ParsedQuery | None:
    words = tuple(dict.fromkeys(normalise_query(text).split()))[:MAX_QUERY_WORDS]
    if not words:
        return None
    return ParsedQuery(words=words, compact="".join(words))


class ILike(Func):
    """`expression ILIKE pattern` (PostgreSQL), which a pg_trgm GIN index can serve."""

    template = "(%(expressions)s)"
    arg_joiner = " ILIKE "
    output_field = BooleanField()


def _like_pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _fts_ids(match: str) -> RawSQL:
    # Only the constant table name is formatted in; the query text is a parameter.
    return RawSQL(  # noqa: S611
        f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH %s",  # noqa: S608
        [match],
    )


def _matching(query: ParsedQuery, backend: str) -> Q:
    """The condition for 'every part of one alternative is in search_text'."""
    if backend == "sqlite_fts":
        whole = _fts_match_expression(query)
        if whole is not None:
            return Q(pk__in=_fts_ids(whole))
    condition = Q()
    for parts in query.alternatives:
        alternative = Q()
        for part in parts:
            if backend == "postgresql":
                alternative &= Q(ILike(F("search_text"), Value(_like_pattern(part))))
            elif backend == "sqlite_fts" and len(part) >= FTS_MIN_LENGTH:
                alternative &= Q(pk__in=_fts_ids(_fts_phrase(part)))
            else:
                alternative &= Q(search_text__contains=part)
        condition |= alternative
    return condition


def _fts_match_expression(query: ParsedQuery) -> str | None:
    """The whole query as one FTS5 MATCH expression, if every part is long enough."""
    alternatives = query.alternatives
    if any(len(part) < FTS_MIN_LENGTH for parts in alternatives for part in parts):
        return None
    return " OR ".join(
        "(" + " AND ".join(_fts_phrase(part) for part in parts) + ")" for parts in alternatives
    )


def _postgres_similarity(query: ParsedQuery) -> Any:
    """word_similarity of the query (and of its compact form) to search_text; higher is better."""
    from django.contrib.postgres.search import TrigramWordSimilarity
    from django.db.models.functions import Greatest

    similarities = [TrigramWordSimilarity(" ".join(query.words), "search_text")]
    if len(query.words) > 1:
        similarities.append(TrigramWordSimilarity(query.compact, "search_text"))
    return similarities[0] if len(similarities) == 1 else Greatest(*similarities)


def _fts_ranks(using: str, match: str) -> dict[int, float]:
    """bm25 of every row that MATCHes, by product id (lower is better).

    One query for all hits, ranked in Python afterwards: bm25() can only be read in the
    query that ran the MATCH. Ordering by a correlated bm25 subquery ran the MATCH once per
    product (measured about 1 s for 400 hits among 5,000 products), and joining the FTS
    table let SQLite's planner run it once per product row too (several seconds).
    Names weigh ten times the category and origin.
    """
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT rowid, bm25({SEARCH_TABLE}, 10.0, 1.0) FROM {SEARCH_TABLE} "  # noqa: S608
            f"WHERE {SEARCH_TABLE} MATCH %s",
            [match],
        )
        return {int(rowid): float(score) for rowid, score in cursor.fetchall()}


def _name_rank(query: ParsedQuery) -> Case:
    """0 for products whose name contains the query as typed, else 1: they come first."""
    whole = " ".join(query.words)
    return Case(
        When(
            Q(name_zh__icontains=whole) | Q(name_en__icontains=whole) | Q(name_bo__icontains=whole),
            then=Value(0),
        ),
        default=Value(1),
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class SearchPage:
    results: list[Product]
    total: int
    page: int
    pages: int
    per_page: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def category_filter(category: Category) -> Q:
    # Categories are at most three levels deep.
    return (
        Q(category=category) | Q(category__parent=category) | Q(category__parent__parent=category)
    )


def origin_filter(point: ServicePoint) -> Q:
    # A station covers its villages, the centre the whole county.
    return (
        Q(origin_point=point)
        | Q(origin_point__parent=point)
        | Q(origin_point__parent__parent=point)
    )


def on_sale(county: County) -> QuerySet[Product]:
    """Products buyers may see in `county`: on sale, by an active seller."""
    return Product.objects.filter(county=county, status=ProductStatus.ACTIVE, seller__active=True)


def with_listing_data(products: QuerySet[Product]) -> QuerySet[Product]:
    """What a product card shows: cheapest active SKU, stock state, seller, origin, photos."""
    active_skus = Sku.objects.filter(product=OuterRef("pk"), active=True).order_by(
        "price_fen", "id"
    )
    return (
        products.select_related("seller", "category", "origin_point")
        .annotate(
            min_price_fen=Subquery(active_skus.values("price_fen")[:1]),
            min_price_unit=Subquery(active_skus.values("selling_unit")[:1]),
            in_stock=Exists(active_skus.filter(stock__gt=0)),
        )
        .prefetch_related(
            Prefetch(
                "photos",
                queryset=ProductPhoto.objects.order_by("position", "id"),
                to_attr="ordered_photos",
            )
        )
    )


def search_products(
    county: County,
    query: str | None,
    *,
    category: Category | None = None,
    origin_point: ServicePoint | None = None,
    min_price_fen: int | None = None,
    max_price_fen: int | None = None,
    in_stock: bool = False,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
    using: str = "default",
) -> SearchPage:
    """One page of the county's products on sale that match `query` and the filters.

    Price bounds and `in_stock` apply to one active SKU: a product matches if some SKU
    is in the price range (per 500 g for weight SKUs) and, if asked, in stock.
    Relevance puts products whose name contains the query first, then the backend's
    score, then the newest; without a query it is newest first. Three queries (a count,
    the page, its photos); four for relevance on SQLite FTS.
    """
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    backend = backend_name(using)
    products = on_sale(county).using(using)
    parsed = parse_query(query or "")
    if parsed is not None:
        products = products.filter(_matching(parsed, backend))
    if category is not None:
        products = products.filter(category_filter(category))
    if origin_point is not None:
        products = products.filter(origin_filter(origin_point))
    if min_price_fen is not None or max_price_fen is not None or in_stock:
        skus = Sku.objects.filter(product=OuterRef("pk"), active=True)
        if min_price_fen is not None:
            skus = skus.filter(price_fen__gte=min_price_fen)
        if max_price_fen is not None:
            skus = skus.filter(price_fen__lte=max_price_fen)
        if in_stock:
            skus = skus.filter(stock__gt=0)
        products = products.filter(Exists(skus))

    fts_match = (
        _fts_match_expression(parsed) if parsed is not None and backend == "sqlite_fts" else None
    )
    if sort == "relevance" and parsed is not None and fts_match is not None:
        return _page_ranked_in_python(
            products, parsed, fts_match, page=page, per_page=per_page, using=using
        )

    total = products.count()
    pages = max(1, math.ceil(total / per_page))
    page = max(1, min(int(page), pages))
    listed = with_listing_data(products)
    ordering: list[Any]
    if sort == "price_asc":
        ordering = [F("min_price_fen").asc(nulls_last=True), "-created_at", "-id"]
    elif sort == "price_desc":
        ordering = [F("min_price_fen").desc(nulls_last=True), "-created_at", "-id"]
    elif sort == "relevance" and parsed is not None:
        listed = listed.annotate(name_rank=_name_rank(parsed))
        ordering = ["name_rank"]
        if backend == "postgresql":
            listed = listed.annotate(search_score=_postgres_similarity(parsed))
            ordering.append(F("search_score").desc())
        ordering += ["-created_at", "-id"]
    else:
        ordering = ["-created_at", "-id"]
    offset = (page - 1) * per_page
    results = list(listed.order_by(*ordering)[offset : offset + per_page]) if total else []
    return SearchPage(results=results, total=total, page=page, pages=pages, per_page=per_page)


def _page_ranked_in_python(
    products: QuerySet[Product],
    query: ParsedQuery,
    match: str,
    *,
    page: int,
    per_page: int,
    using: str,
) -> SearchPage:
    """SQLite relevance: the hits' ids sorted by (name first, bm25, newest), then one page.

    Four queries: the bm25 of the hits, the ids of the county's matching products, the
    page's products and their photos. A county's hits are a few thousand ids at most.
    """
    ranks = _fts_ranks(using, match)
    rows = list(
        products.annotate(name_rank=_name_rank(query)).values_list("pk", "name_rank", "created_at")
    )
    rows.sort(key=lambda row: (row[1], ranks.get(row[0], 0.0), -row[2].timestamp(), -row[0]))
    total = len(rows)
    pages = max(1, math.ceil(total / per_page))
    page = max(1, min(int(page), pages))
    offset = (page - 1) * per_page
    ids = [row[0] for row in rows[offset : offset + per_page]]
    by_id = with_listing_data(Product.objects.using(using).filter(pk__in=ids)).in_bulk(ids)
    results = [by_id[pk] for pk in ids if pk in by_id]
    return SearchPage(results=results, total=total, page=page, pages=pages, per_page=per_page)
