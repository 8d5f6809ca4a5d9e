"""Road networks: the network model, OSM and synthetic roads, snapping and travel matrices."""
