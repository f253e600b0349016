"""What a search result is, and where in a message the match lies."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sessiontui.model import Session

LINE_CHARS = 200  # of the matching line, around the match


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One message that matched: its session, time, role, and the line with the match at
    `line[start:end]` (start == end: the index matched words the line does not hold together)."""

    session: Session
    at: datetime | None
    role: str
    line: str
    start: int
    end: int
    via: str  # "index": the bot's own full-text index; "scan": read from the transcript
    resume: str | None = None  # the shell command that resumes the session, where there is one

    def as_json(self) -> dict[str, object]:
        return {
            "store": self.session.store,
            "format": str(self.session.format),
            "session": self.session.id,
            "name": self.session.name,
            "at": self.at.isoformat() if self.at else None,
            "role": self.role,
            "line": self.line,
            "match": [self.start, self.end],
            "via": self.via,
            "resume": self.resume,
        }


def matching_line(text: str, needle: str) -> tuple[str, int, int] | None:
    """The line of `text` holding `needle` (case-insensitive), cut to LINE_CHARS around it, and
    the match's place in it; None when `text` does not hold it."""
    folded, wanted = text.lower(), needle.lower()
    if len(folded) != len(text):  # a character whose lower case is longer: find it char by char
        folded = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    at = folded.find(wanted)
    if at < 0 or not wanted:
        return None
    begin = text.rfind("\n", 0, at) + 1
    finish = text.find("\n", at + len(needle))
    finish = len(text) if finish < 0 else finish
    left = max(begin, at - (LINE_CHARS - len(needle)) // 2)
    right = min(finish, max(at + len(needle), left + LINE_CHARS))
    return text[left:right], at - left, at + len(needle) - left


def byte_needles(needle: str) -> tuple[bytes, ...]:
    """The forms `needle` may take in a file's bytes, ASCII-lowercased: as UTF-8, and as a JSON
    string's inside (escaped quotes and backslashes; `\\uXXXX` for non-ASCII)."""
    lowered = needle.lower()
    forms = {
        lowered.encode("utf-8", "surrogatepass"),
        json.dumps(lowered, ensure_ascii=False)[1:-1].encode("utf-8", "surrogatepass"),
        json.dumps(lowered)[1:-1].encode("ascii").lower(),
    }
    return tuple(sorted(forms))
