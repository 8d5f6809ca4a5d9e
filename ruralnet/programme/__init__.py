"""The programme: indicator systems as data, scorecard, requirements, budgets, tracking and county selection."""
