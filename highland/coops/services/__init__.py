"""The cooperatives' business actions, one module per part."""
