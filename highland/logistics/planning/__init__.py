"""Route planning: the problem as the solver sees it (`problem`), the solver (`solver`),
and what builds a county's day from its stops, vehicles and roads."""
