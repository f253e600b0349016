"""Offline prices for one API call, from genai-prices' data, by rate.

Costs are always computed per call and then summed, never from session totals: prices can be
tiered by the size of one request, so a sum of calls is not the price of the summed tokens.

Asking genai-prices for every call costs about 0.3 ms; a transcript holds hundreds of thousands
of calls. So each (model, day) is resolved once to its rates, exactly as the library would
price it: the library's price of a call is linear in its token counts within one tier (a tier
is chosen by the call's whole prompt size, cached parts included), so a few probe calls per
tier give the fixed part and the dollars per token of each kind, 1-hour cache writes included.
A call is then priced by picking its tier and multiplying. tests/test_rules_pricing.py proves
the result equals `calc_price` for every Anthropic, OpenAI and Google model the library lists.
"""

from __future__ import annotations

import warnings
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

from sessiontui.model import Usage

# genai-prices is imported when a price is first needed (about 0.3 s): a run whose transcripts
# all come from the cache never needs it.
_PROBE_OUTPUT = 1_000_000


@lru_cache(maxsize=1)
def price_data_version() -> str:
    """The installed genai-prices' version (part of the transcript cache's key), read from the
    name of its dist-info directory beside it: importlib.metadata costs 20 ms of imports on
    every start. importlib.metadata where the layout is another."""
    spec = find_spec("genai_prices")
    if spec is not None and spec.origin:
        site = Path(spec.origin).parent.parent
        for info in site.glob("genai_prices-*.dist-info"):
            return info.name.removeprefix("genai_prices-").removesuffix(".dist-info")
    from importlib.metadata import version

    return version("genai-prices")


@dataclass(frozen=True, slots=True)
class TierRates:
    """Dollars for one call within one tier: a fixed part plus dollars per token of each kind."""

    per_call: float
    input: float  # uncached input
    output: float
    cache_read: float
    cache_write: float  # every cache write
    cache_write_1h_extra: float  # what a 1-hour write costs on top of a plain one

    def price(self, usage: Usage) -> float:
        return self.price_tokens(
            usage.input_tokens,
            usage.output_tokens,
            usage.cache_read_tokens,
            usage.cache_write_tokens,
            usage.cache_write_1h_tokens,
        )

    def price_tokens(
        self, input_tokens: int, output: int, cache_read: int, cache_write: int, cache_write_1h: int
    ) -> float:
        """`price` from the counts themselves (the fast fold makes no Usage per call)."""
        return (
            self.per_call
            + input_tokens * self.input
            + output * self.output
            + cache_read * self.cache_read
            + cache_write * self.cache_write
            + cache_write_1h * self.cache_write_1h_extra
        )


@dataclass(frozen=True, slots=True)
class ModelRates:
    """A model's rates on one day. Tier i applies when the prompt is over `starts[i - 1]` tokens."""

    starts: tuple[int, ...]
    tiers: tuple[TierRates, ...]  # one more than starts: tiers[0] is the base price

    def price(self, usage: Usage) -> float:
        return self.tier(
            usage.input_tokens + usage.cache_read_tokens + usage.cache_write_tokens
        ).price(usage)

    def tier(self, prompt: int) -> TierRates:
        """The tier a call of `prompt` tokens (cached parts included) is priced in."""
        return self.tiers[bisect_left(self.starts, prompt)]


def split_model(model: str) -> tuple[str | None, str]:
    """'anthropic/claude-opus-4-6' -> ('anthropic', 'claude-opus-4-6'); ZeroClaw writes this form."""
    provider, sep, name = model.partition("/")
    return (provider, name) if sep and name else (None, model)


class _Unknown(Exception):
    """genai-prices knows no such model."""


def library_total(model: str, usage: Usage, at: datetime | None) -> Decimal | None:
    """genai-prices' own price of one call; None when it cannot price it. _Unknown if unknown."""
    from genai_prices import Usage as PriceUsage
    from genai_prices import calc_price

    provider, name = split_model(model)
    # genai-prices counts input as the whole prompt, cached parts included.
    price_usage = PriceUsage(
        input_tokens=usage.input_tokens + usage.cache_read_tokens + usage.cache_write_tokens,
        output_tokens=usage.output_tokens,
        cache_read_tokens=usage.cache_read_tokens,
        cache_write_tokens=usage.cache_write_tokens,
        cache_write_1h_tokens=usage.cache_write_1h_tokens or None,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for provider_id in (provider, None) if provider else (None,):
            try:
                result = calc_price(
                    price_usage, name, provider_id=provider_id, genai_request_timestamp=at
                )
            except LookupError:
                continue
            except ValueError:
                return None
            return result.total_price
    raise _Unknown(model)


def _tier_starts(model: str, at: datetime) -> tuple[int, ...]:
    """Every prompt size at which one of the model's prices switches tier."""
    from genai_prices import Usage as PriceUsage
    from genai_prices import calc_price
    from genai_prices.types import TieredPrices

    provider, name = split_model(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for provider_id in (provider, None) if provider else (None,):
            try:
                result = calc_price(
                    PriceUsage(input_tokens=1),
                    name,
                    provider_id=provider_id,
                    genai_request_timestamp=at,
                )
            except LookupError:
                continue
            prices = vars(result.model_price).values()
            return tuple(
                sorted({t.start for p in prices if isinstance(p, TieredPrices) for t in p.tiers})
            )
    raise _Unknown(model)


def _probe_tier(model: str, at: datetime, prompt: int) -> TierRates:
    """The rates of the tier holding calls of `prompt` tokens, from six calls to the library."""

    def total(usage: Usage) -> Decimal:
        value = library_total(model, usage, at)
        if value is None:
            raise ValueError(model)
        return value

    fixed = total(Usage())
    if prompt == 0:  # a tier only a prompt of no tokens reaches: only output can be priced
        output = (total(Usage(output_tokens=_PROBE_OUTPUT)) - fixed) / _PROBE_OUTPUT
        return TierRates(float(fixed), 0.0, float(output), 0.0, 0.0, 0.0)
    plain = total(Usage(input_tokens=prompt))
    output = (
        total(Usage(input_tokens=prompt, output_tokens=_PROBE_OUTPUT)) - plain
    ) / _PROBE_OUTPUT
    read = (total(Usage(cache_read_tokens=prompt)) - fixed) / prompt
    write = (total(Usage(cache_write_tokens=prompt)) - fixed) / prompt
    write_1h = (
        total(Usage(cache_write_tokens=prompt, cache_write_1h_tokens=prompt)) - fixed
    ) / prompt
    return TierRates(
        float(fixed),
        float((plain - fixed) / prompt),
        float(output),
        float(read),
        float(write),
        float(write_1h - write),
    )


Rates = ModelRates | None | bool  # what `model_rates` answers
_REMEMBERED: dict[tuple[str, date], Rates] = {}  # resolved by an earlier run (`remember_rates`)
_RESOLVED: dict[tuple[str, date], Rates] = {}  # answered in this process


@lru_cache(maxsize=1024)
def model_rates(model: str, day: date) -> Rates:
    """The model's rates on `day`; False when genai-prices does not know it; None when it knows
    it but cannot price a plain token call (each call then asks the library). Rates an earlier
    run resolved with the same price data and code (`remember_rates`) are taken as they are:
    genai-prices is imported only for a (model, day) no run has met yet."""
    rates = _REMEMBERED.get((model, day), _NOT_REMEMBERED)
    if rates is _NOT_REMEMBERED:
        rates = _resolve(model, day)
    _RESOLVED[model, day] = rates
    return rates


_NOT_REMEMBERED: Rates = True  # (never an answer of `_resolve`)


def _resolve(model: str, day: date) -> Rates:
    at = datetime.combine(day, time(12), UTC)
    try:
        starts = _tier_starts(model, at)
        first = 0 if starts[:1] == (0,) else 1  # a probe prompt inside each tier
        prompts = (first, *(start + 1 for start in starts))
        tiers = tuple(_probe_tier(model, at, prompt) for prompt in prompts)
    except _Unknown:
        return False
    except ValueError:
        return None
    return ModelRates(starts, tiers)


def remember_rates(known: Iterable[tuple[str, date, Rates]]) -> None:
    """Rates resolved by an earlier run with this price data and this code (the transcript
    cache keeps them, keyed by both): a run whose new calls are all on those (model, day)s
    never imports genai-prices (0.1 CPU-s of imports and 20 ms of price data)."""
    _REMEMBERED.update(((model, day), rates) for model, day, rates in known)


def resolved_rates(since: date) -> list[tuple[str, date, Rates]]:
    """The (model, day)s from `since` on answered in this process or remembered, for the cache
    (new calls are made today: a running session's, or an old one resumed)."""
    known = {**_REMEMBERED, **_RESOLVED}
    return [(model, day, rates) for (model, day), rates in known.items() if day >= since]


def price_call(model: str | None, usage: Usage, at: datetime | None = None) -> float | None:
    """Dollars for one API call, or None when the model has no known price."""
    if not model:
        return None
    rates = model_rates(model, (at or datetime.now(UTC)).date())
    if rates is False:
        return None
    if isinstance(rates, ModelRates):
        return rates.price(usage)
    try:
        total = library_total(model, usage, at)
    except _Unknown:
        return None
    return None if total is None else float(total)


def load_price_data() -> None:
    """Import genai-prices and load its price data now (processes forked after this share
    them, whatever rates are remembered); otherwise the first price asked for does."""
    library_total("claude-sonnet-4-5", Usage(input_tokens=1), datetime.now(UTC))


def is_priced(model: str | None) -> bool:
    return model is not None and model_rates(model, datetime.now(UTC).date()) is not False
