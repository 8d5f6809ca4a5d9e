"""The programme: indicator systems as data, scorecard, requirements, budgets, tracking."""
