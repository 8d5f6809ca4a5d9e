"""Location-routing: county warehouses chosen jointly with the trunk routes."""
