"""What a source is: its endpoint, its raw table and the typed columns it must deliver."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import requests

from extract.http import fetch_pages


@dataclass(frozen=True)
class Column:
    name: str
    pg_type: str  # integer | date | text


@dataclass(frozen=True)
class SourceSpec:
    """A source feed: where to fetch it and which raw table receives it."""

    name: str  # e.g. "tthc"
    entity: str  # e.g. "dossier_daily"
    path: str  # API path on the source's base URL
    columns: tuple[Column, ...]
    description: str

    @property
    def raw_table(self) -> str:
        return f"{self.name}_{self.entity}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def fetch(self, http: requests.Session, base_url: str, start: date, end: date,
              timeout_s: float, page_size: int = 1000) -> Iterator[dict[str, object]]:
        """Stream the source's rows for days ``start``..``end``, page by page."""
        params = {"from": start.isoformat(), "to": end.isoformat(), "page": 1, "page_size": page_size}
        for page in fetch_pages(http, base_url, self.path, params, timeout_s):
            yield from page
