"""Maintainers' scripts run from the repository root (``python -m tools.…``); nothing in chiso imports them."""
