"""The cooperatives' business actions, one module per part (rules, members, intake, lots,
processing, settlement): views, API and admin call these, never the models directly."""
