"""Pieces every stage shares: entity contracts, errors, the embedded PostgreSQL."""
