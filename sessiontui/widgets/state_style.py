"""How each session state looks, in one place: the theme's colours, for every widget that shows a
state (the table, the summary bar, the detail view). Each widget names the rules with its prefix."""

from __future__ import annotations

from sessiontui.model import STATE_ORDER, SessionState

#: The look of each state, in theme variables: a theme change recolours every widget alike.
STATE_LOOK: dict[SessionState, str] = {
    SessionState.STUCK: "color: $error; text-style: reverse bold;",
    SessionState.ERROR: "color: $error; text-style: bold;",
    SessionState.RUNNING: "color: $success; text-style: bold;",
    SessionState.WAITING: "color: $warning;",
    SessionState.IDLE: "color: $text-muted;",
    SessionState.CLOSED: "color: $text-disabled;",
    SessionState.ARCHIVED: "color: $text-disabled; text-style: italic;",
}


def state_classes(prefix: str) -> set[str]:
    """The component classes `<prefix>--<state>` a widget declares."""
    return {f"{prefix}--{state}" for state in STATE_ORDER}


def state_rules(prefix: str) -> str:
    """Nested CSS rules for a widget's `<prefix>--<state>` component classes."""
    return "\n".join(f"& > .{prefix}--{state} {{ {STATE_LOOK[state]} }}" for state in STATE_ORDER)
