"""The project's own CKAN for the portal tests and CI: a pinned CKAN from PyPI on loopback (tools/ckan/portal.py)."""
