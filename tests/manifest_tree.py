"""Walking a parsed manifest (YAML or JSON: nested dicts and lists) for what the tests look for in it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def nodes(tree: Any) -> Iterator[Any]:
    """Every node of `tree`, parents before children: mappings, lists and scalars (values only, not keys)."""
    yield tree
    children = tree.values() if isinstance(tree, dict) else tree if isinstance(tree, list) else ()
    for child in children:
        yield from nodes(child)


def mappings(tree: Any) -> Iterator[dict]:
    """Every mapping in `tree`, parents before children."""
    return (node for node in nodes(tree) if isinstance(node, dict))
