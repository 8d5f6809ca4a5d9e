"""Many counties at once: prefectures and provinces on Dask, roll-ups and pooled warehouses."""
