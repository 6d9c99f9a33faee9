"""Back office for the cooperatives, one module per part."""

from highland.coops import admin_settlement  # noqa: F401 (registers the models)
