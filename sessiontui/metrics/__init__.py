"""Prometheus metrics of the host's sessions: `sessiontui metrics`. Never imports Textual."""
