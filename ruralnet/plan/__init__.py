"""The plan: the document and its schema, typed records, checks, and building it from a county."""
