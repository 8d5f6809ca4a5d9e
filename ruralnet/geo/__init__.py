"""Geography: divisions, county loading, coordinates, real/synthetic positions, village files."""
