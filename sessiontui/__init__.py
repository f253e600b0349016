"""sessiontui: a terminal dashboard for the session stores of AI chat bots."""

__version__ = "0.1.0"
