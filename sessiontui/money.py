"""Money as sessiontui writes it, in one place: the table, the detail, the costs, alerts and the
headless output all say a dollar figure the same way. No Textual here."""

from __future__ import annotations

from sessiontui.model import CostSource, Session


def dollars(amount: float) -> str:
    """`$0.0123` below ten dollars (small spend stays visible), `$1,234.57` from ten up."""
    return f"${amount:,.4f}" if abs(amount) < 10 else f"${amount:,.2f}"


def dollars_per_hour(per_minute: float) -> str:
    return f"{dollars(per_minute * 60)}/hour"


def session_cost(session: Session, *, unknown: str = "unknown", none: str = "-") -> str:
    """A session's cost, `unknown` when part of it has no price (never a partial or zero figure),
    `none` when the store holds no cost at all."""
    if session.cost_source is None:
        return none
    if session.cost_source is CostSource.UNKNOWN or session.cost_usd is None:
        return unknown
    return dollars(session.cost_usd)
