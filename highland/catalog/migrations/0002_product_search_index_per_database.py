"""The product search index, in the form each database supports (see catalog/search.py).

- PostgreSQL: the pg_trgm extension and a GIN trigram index on search_text, which
  serves `search_text ILIKE '%…%'` and word_similarity ranking.
- SQLite 3.34 or newer: an FTS5 table with the trigram tokenizer, one row per product
  (rowid = product id), columns `names` and `context`; filled here from search_text and
  kept in step by catalog.search.index_product.
- Anything else (or an older SQLite): nothing; search falls back to LIKE.

Re-runnable: every statement is IF [NOT] EXISTS.
"""

import sqlite3

from django.db import migrations

SQLITE_TRIGRAM_SINCE = (3, 34, 0)

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS catalog_product_search_trgm "
    "ON catalog_product USING gin (search_text gin_trgm_ops)",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS catalog_product_search_trgm"]

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS catalog_product_search "
    "USING fts5(names, context, tokenize = 'trigram')",
    # Existing products: line 1 of search_text is the names, the rest the context.
    "INSERT INTO catalog_product_search (rowid, names, context) "
    "SELECT id, "
    "CASE WHEN instr(search_text, char(10)) > 0 "
    "THEN substr(search_text, 1, instr(search_text, char(10)) - 1) ELSE search_text END, "
    "CASE WHEN instr(search_text, char(10)) > 0 "
    "THEN substr(search_text, instr(search_text, char(10)) + 1) ELSE '' END "
    "FROM catalog_product WHERE id NOT IN (SELECT rowid FROM catalog_product_search)",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS catalog_product_search"]


def sqlite_has_trigram() -> bool:
    return sqlite3.sqlite_version_info >= SQLITE_TRIGRAM_SINCE


class RunSQLOnVendor(migrations.RunSQL):
    """RunSQL that runs only on one database vendor (and only if `when()` holds)."""

    def __init__(self, vendor, sql, reverse_sql, when=None):
        super().__init__(sql, reverse_sql)
        self.vendor = vendor
        self.when = when

    def _applies(self, schema_editor):
        if schema_editor.connection.vendor != self.vendor:
            return False
        return self.when is None or self.when()

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if self._applies(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if self._applies(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_sellers_categories_products_skus_photos")]

    operations = [
        RunSQLOnVendor("postgresql", POSTGRES_FORWARD, POSTGRES_BACKWARD),
        RunSQLOnVendor("sqlite", SQLITE_FORWARD, SQLITE_BACKWARD, when=sqlite_has_trigram),
    ]
