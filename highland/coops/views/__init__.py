"""Cooperative pages, one module per part."""
