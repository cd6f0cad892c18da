"""Registry of the sources chiso extracts: every ``SourceSpec`` declared in a module of this package.

Adding a source is adding one module here; nothing else lists the sources."""

from __future__ import annotations

import importlib
import pkgutil

from extract.sources.base import SourceSpec


def _declared() -> dict[str, SourceSpec]:
    found: dict[str, SourceSpec] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, SourceSpec) and found.setdefault(value.name, value) is not value:
                raise ValueError(f"two sources are named {value.name!r}: in {module.__name__} and elsewhere")
    return found


SOURCES: dict[str, SourceSpec] = _declared()


def get_source(name: str) -> SourceSpec:
    try:
        return SOURCES[name]
    except KeyError:
        raise ValueError(f"unknown source {name!r}; known sources: {', '.join(sorted(SOURCES))}") from None
