"""Geography: administrative divisions, county loading, coordinate systems, synthetic and real positions, planners' village files."""
