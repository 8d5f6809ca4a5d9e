"""Facility location: exact p-median, facility-location and covering models, and county siting."""
