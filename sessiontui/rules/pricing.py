"""Offline prices for one API call, from genai-prices' data.

Costs are always computed per call and then summed, never from session totals: prices can be
tiered by the size of one request, so a sum of calls is not the price of the summed tokens.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import lru_cache

from genai_prices import Usage as PriceUsage
from genai_prices import calc_price

from sessiontui.model import Usage

_LINEAR_KEYS = ("input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok")


@dataclass(frozen=True, slots=True)
class _LinearRates:
    """Dollars per token for a model whose price is a plain rate per token kind."""

    input: float
    output: float
    cache_read: float
    cache_write: float


def split_model(model: str) -> tuple[str | None, str]:
    """'anthropic/claude-opus-4-6' -> ('anthropic', 'claude-opus-4-6'); ZeroClaw writes this form."""
    provider, sep, name = model.partition("/")
    return (provider, name) if sep and name else (None, model)


def _library_price(model: str, usage: Usage, at: datetime | None) -> float | None:
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
            return float(result.total_price)
    return None


@lru_cache(maxsize=1024)
def _linear_rates(model: str, day: date) -> _LinearRates | None | bool:
    """The model's plain per-token rates on `day`; False when unknown; None when not linear."""
    provider, name = split_model(model)
    at = datetime.combine(day, time(12), UTC)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for provider_id in (provider, None) if provider else (None,):
            try:
                result = calc_price(
                    PriceUsage(input_tokens=1), name, provider_id=provider_id,
                    genai_request_timestamp=at,
                )
            except LookupError:
                continue
            except ValueError:
                return None
            values = [getattr(result.model_price, key, None) for key in _LINEAR_KEYS]
            if not all(isinstance(value, Decimal) for value in values):
                return None  # tiered, or a cache price missing: let the library decide
            extra = {
                key for key, value in vars(result.model_price).items()
                if value is not None and not isinstance(value, Decimal)
            }
            if extra:
                return None
            per_token = [float(value) / 1_000_000 for value in values]  # type: ignore[arg-type]
            return _LinearRates(*per_token)
    return False


def price_call(model: str | None, usage: Usage, at: datetime | None = None) -> float | None:
    """Dollars for one API call, or None when the model has no known price."""
    if not model:
        return None
    day = (at or datetime.now(UTC)).date()
    rates = _linear_rates(model, day)
    if rates is False:
        return None
    if isinstance(rates, _LinearRates) and not usage.cache_write_1h_tokens:
        return (
            usage.input_tokens * rates.input
            + usage.output_tokens * rates.output
            + usage.cache_read_tokens * rates.cache_read
            + usage.cache_write_tokens * rates.cache_write
        )
    return _library_price(model, usage, at)


def is_priced(model: str | None) -> bool:
    return model is not None and _linear_rates(model, datetime.now(UTC).date()) is not False
