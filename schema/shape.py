"""A document's shape: what executing it would take, as numbers that add up.

`schema.measure` computes it in one pass; `schema.limits` refuses documents whose
shape is over a limit. Numbers saturate at `SATURATED`, so a hostile document never
builds huge integers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

SATURATED: Final = 10**12


@dataclass(frozen=True, slots=True)
class Shape:
    """What executing (part of) a document would take."""

    cost: int = 0
    depth: int = 0
    aliases: int = 0
    introspection: int = 0
    fields: int = 0  # fields, as expanded, without list sizes
    repeats: int = 0  # most fields under one response name in one selection set, merged
    pairs: int = 0  # pairs of fields under one response name in one selection set, summed
    merge: int = 0  # those pairs, each weighted by the product of its subtrees' sizes
    lists: int = 0  # most list fields (with selections) nested along one path
    meta_lists: int = 0  # the same, under an introspection field

    def __add__(self, other: Shape) -> Shape:
        return Shape(
            saturate(self.cost + other.cost),
            max(self.depth, other.depth),
            saturate(self.aliases + other.aliases),
            saturate(self.introspection + other.introspection),
            saturate(self.fields + other.fields),
            max(self.repeats, other.repeats),
            saturate(self.pairs + other.pairs),
            saturate(self.merge + other.merge),
            max(self.lists, other.lists),
            max(self.meta_lists, other.meta_lists),
        )


class ShapeRefused(Exception):
    """The document cannot be measured: a fragment cycle or too deep a nesting."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


# response name -> (fields answering under it, sum of their sizes, sum of squared sizes)
Names = dict[str, tuple[int, int, int]]


def merge_names(into: Names, names: Names) -> None:
    for key, (count, s1, s2) in names.items():
        c0, a0, b0 = into.get(key, (0, 0, 0))
        into[key] = (saturate(c0 + count), saturate(a0 + s1), saturate(b0 + s2))


def finish_level(shape: Shape, names: Names) -> Shape:
    """Adds what comparing this selection set's same-named fields takes."""
    counts = [count for count, _, _ in names.values()]
    return replace(
        shape,
        repeats=max(shape.repeats, max(counts, default=0)),
        pairs=saturate(shape.pairs + sum(n * (n - 1) // 2 for n in counts)),
        merge=saturate(shape.merge + sum((s1 * s1 - s2) // 2 for _, s1, s2 in names.values())),
    )


def saturate(n: int) -> int:
    return n if n < SATURATED else SATURATED
