"""Small-count suppression: counts below the configured minimum in commune-level rows are emptied, with a flag.

A commune-level row is one whose code column names a commune (xã, phường, đặc khu) in ``marts.dim_agency``.
A count ``0 < n < min_cell`` there is emptied (true zeros stay: they describe no one). So that the hidden
value cannot be recomputed by subtraction, every count tied to it by an identity dbt tests (``sum_of_parts``,
e.g. resolved = early + on time + overdue) is emptied too, and so are the row's rates. The flag column lists
the emptied columns of each row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

FLAG_COLUMN = "suppressed_columns"


@dataclass(frozen=True)
class SuppressionResult:
    rows: list[tuple]
    cells: int  # cells emptied (primary and complementary)
    rows_touched: int


def needs_flag(kinds: Sequence[str]) -> bool:
    """A dataset gets the flag column when it can hold commune-level counts (a code column and a count)."""
    return "code" in kinds and "count" in kinds


def families(names: Sequence[str], kinds: Sequence[str], identities: Iterable[Sequence[str]]) -> list[frozenset[int]]:
    """Groups of count columns linked by identities (connected components); a lone count is its own group."""
    counts = {name: i for i, (name, kind) in enumerate(zip(names, kinds, strict=True)) if kind == "count"}
    parent = {i: i for i in counts.values()}

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for identity in identities:
        members = [counts[c] for c in identity if c in counts]
        for other in members[1:]:
            parent[root(other)] = root(members[0])
    groups: dict[int, set[int]] = {}
    for i in counts.values():
        groups.setdefault(root(i), set()).add(i)
    return [frozenset(g) for g in groups.values()]


def suppress(rows: Iterable[tuple], names: Sequence[str], kinds: Sequence[str],
             identities: Iterable[Sequence[str]], communes: frozenset[str], min_cell: int) -> SuppressionResult:
    """Apply the rule above; with a flag column, each row gets one more value: the emptied columns.

    ``min_cell`` of 1 or less turns suppression off (and the flag column with it).
    """
    groups = families(names, kinds, identities)
    codes = [i for i, kind in enumerate(kinds) if kind == "code"]
    rates = [i for i, kind in enumerate(kinds) if kind == "rate"]
    flag = min_cell > 1 and needs_flag(kinds)
    out, cells, touched = [], 0, 0
    for row in rows:
        hidden = _hidden(row, groups, rates, min_cell) if any(row[i] in communes for i in codes) else set()
        if hidden:
            cells += len(hidden)
            touched += 1
            row = tuple(None if i in hidden else v for i, v in enumerate(row))
        out.append((*row, ";".join(names[i] for i in sorted(hidden))) if flag else row)
    return SuppressionResult(out, cells, touched)


def _hidden(row: tuple, groups: list[frozenset[int]], rates: list[int], min_cell: int) -> set[int]:
    small = {i for group in groups for i in group if row[i] is not None and 0 < row[i] < min_cell}
    if not small:
        return set()
    hidden = set().union(*(group for group in groups if group & small))
    return hidden | set(rates)
