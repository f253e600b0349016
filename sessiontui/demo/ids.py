"""Identifiers in the shapes the bots mint them, drawn from one seeded random source.

Every id the demo writes comes from an `Ids` so that a fixed seed gives the same files.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class Ids:
    """A seeded source of UUIDs, Anthropic-style ids and Slack thread timestamps."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self.rng = rng if rng is not None else random.Random()

    def uuid4(self) -> str:
        """A version-4 UUID as `str(uuid.uuid4())` prints it."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def token(self, prefix: str, length: int = 24) -> str:
        """`prefix` plus `length` base-62 characters (`msg_01…`, `toolu_01…`, `req_011C…`)."""
        return prefix + "".join(self.rng.choice(_BASE62) for _ in range(length))

    def message_id(self) -> str:
        return self.token("msg_01", 22)

    def tool_use_id(self) -> str:
        return self.token("toolu_01", 22)

    def request_id(self) -> str:
        return self.token("req_011C", 20)

    def call_id(self) -> str:
        """An OpenAI-style tool call id, as ZeroClaw's providers pass them through."""
        return self.token("call_", 24)

    def thread_ts(self, moment: datetime) -> str:
        """A Slack `thread_ts`: epoch seconds, a dot, six digits."""
        seconds = int(moment.astimezone(UTC).timestamp())
        return f"{seconds}.{self.rng.randrange(1_000_000):06d}"
