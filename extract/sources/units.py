"""The registry of reporting units (agencies, communes) and which of them report on each feed, by date."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class Unit:
    """One agency version of the agencies seed (SCD2: valid from ``valid_from`` to ``valid_to``, open if None)."""

    code: str
    level: str  # province | commune
    agency_type: str  # province | department | centre | police | commune | ward | special_zone
    receives_dossiers: bool
    valid_from: date
    valid_to: date | None = None
    copy_of: str | None = None  # the scale case's synthetic copies (tools/scale_province.py): the unit copied

    def valid_during(self, start: date, end: date) -> bool:
        """The unit existed on at least one day of ``start``..``end``."""
        return self.valid_from <= end and (self.valid_to is None or self.valid_to >= start)


def load_units(seed_file: Path) -> tuple[Unit, ...]:
    """Every agency version of the agencies seed (``seeds/agencies.csv``), ordered by code."""
    with seed_file.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise ValueError(f"{seed_file}: no agencies")
    units = (Unit(r["agency_code"], r["level"], r["agency_type"], r["receives_dossiers"].strip().lower() == "true",
                  date.fromisoformat(r["valid_from"]), date.fromisoformat(r["valid_to"]) if r["valid_to"] else None,
                  r.get("copy_of") or None)
             for r in rows)
    return tuple(sorted(units, key=lambda u: (u.code, u.valid_from)))


# Which units report on a feed: one predicate per kind of feed, read by the loader's coverage check and by the
# simulator (so the stand-in serves exactly the units the loader expects). They take anything with the Unit fields.

def receives_dossiers(unit: Unit) -> bool:
    """Units that receive administrative-procedure dossiers (departments, communes, the one-stop centre)."""
    return unit.receives_dossiers


def is_commune(unit: Unit) -> bool:
    """Communes, wards and the special zone."""
    return unit.level == "commune"


def uses_official_signatures(unit: Unit) -> bool:
    """Units with official-use certificates: the communes and the provincial units that handle documents."""
    return unit.level == "commune" or unit.receives_dossiers or unit.agency_type in ("department", "centre", "police")
