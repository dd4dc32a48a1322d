"""Loaders: the day's lake partitions into the warehouse's RAW tables, one module per warehouse."""
