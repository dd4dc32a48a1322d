"""Extractors: one module per source system, all feeding the same schema-on-write engine."""
