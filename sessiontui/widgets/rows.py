"""The unit the dashboard widgets take (defined with the model, so the data side can build it)."""

from sessiontui.model import SessionRow

__all__ = ["SessionRow"]
