"""Outputs for people: maps, report, exports and scenario comparison."""
