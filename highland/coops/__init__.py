"""Cooperatives: members, produce intake at village points, pooled lots, processing,
member settlement exact to the fen, and the annual surplus by patronage."""
