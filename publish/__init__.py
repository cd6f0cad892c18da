"""Open-data publishing: marts → export folder (CSV, XLSX, JSON, data package, DCAT) → CKAN portal."""

from publish.exporter import ExportedFile, export_all

__all__ = ["ExportedFile", "export_all"]
