"""The plan: the plan document and its schema (document), and building a plan from a county (build)."""
