"""Widgets of the dashboard: the session table, the transcript view, the summary bar, the store list."""
