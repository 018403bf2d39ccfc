"""Which items of a split a run judges: the first N, or a seeded sample that every judge shares."""

from __future__ import annotations

import random
from typing import TypeVar

T = TypeVar("T")


def select(items: list[T], limit: int | None = None, sample: int | None = None, seed: int = 0) -> list[T]:
    """The first `limit` items, or a seeded random `sample` of them (kept in file order; the whole split if smaller).
    The draw depends only on the split's size and the seed, so every judge gets the same items."""
    if sample is not None:
        if sample >= len(items):
            return list(items)
        picked = sorted(random.Random(seed).sample(range(len(items)), sample))
        return [items[i] for i in picked]
    return items[:limit] if limit else items
