"""rules/pricing.price_call: the price of one API call, checked by hand and against
genai-prices' own calc_price."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from genai_prices import Usage as PriceUsage
from genai_prices import calc_price, data_snapshot
from hypothesis import given, settings
from hypothesis import strategies as st

from sessiontui.model import Usage
from sessiontui.rules import pricing
from sessiontui.rules.pricing import is_priced, price_call, split_model
from sessiontui.stores.transcript_cache import KnownRates

AT = datetime(2026, 3, 1, 12, tzinfo=UTC)

# Published per-MTok prices (Anthropic, up to 200k prompt tokens):
#   claude-sonnet-4-6  $3 in, $15 out, $0.30 cache read, $3.75 cache write
#   claude-opus-4-6    $5 in, $25 out, $0.50 cache read, $6.25 cache write
#   claude-haiku-4-5   $1 in,  $5 out, $0.10 cache read, $1.25 cache write
HAND = [
    (
        "claude-sonnet-4-6",
        Usage(1_200, 800, 50_000, 4_000),
        (1_200 * 3 + 800 * 15 + 50_000 * 0.30 + 4_000 * 3.75) / 1e6,
    ),  # = 0.0456
    (
        "claude-opus-4-6",
        Usage(1_200, 800, 50_000, 4_000),
        (1_200 * 5 + 800 * 25 + 50_000 * 0.50 + 4_000 * 6.25) / 1e6,
    ),  # = 0.076
    (
        "claude-haiku-4-5",
        Usage(1_200, 800, 50_000, 4_000),
        (1_200 * 1 + 800 * 5 + 50_000 * 0.10 + 4_000 * 1.25) / 1e6,
    ),  # = 0.0152
    ("claude-sonnet-4-6", Usage(10, 5, 0, 0), (10 * 3 + 5 * 15) / 1e6),
    ("claude-haiku-4-5", Usage(0, 0, 1_000_000, 0), 0.10),
    # Over 200k prompt tokens (cached ones count toward it) Sonnet 4.6 is priced at the long-
    # context rates for the whole call: $6 in, $22.50 out, $0.60 cache read, $7.50 cache write.
    (
        "claude-sonnet-4-6",
        Usage(150_000, 1_000, 40_000, 20_000),
        (150_000 * 6 + 1_000 * 22.5 + 40_000 * 0.60 + 20_000 * 7.50) / 1e6,
    ),  # = 1.0965
]


@pytest.mark.parametrize(("model", "usage", "dollars"), HAND)
def test_price_matches_hand_arithmetic(model: str, usage: Usage, dollars: float) -> None:
    assert price_call(model, usage, AT) == pytest.approx(dollars, rel=1e-9)


def test_hand_values_spelled_out() -> None:
    """The arithmetic above, as numbers a reader can check on a calculator."""
    assert HAND[0][2] == pytest.approx(0.0456)
    assert HAND[1][2] == pytest.approx(0.076)
    assert HAND[2][2] == pytest.approx(0.0152)
    assert HAND[5][2] == pytest.approx(1.0965)


@pytest.mark.parametrize("model", ["anthropic/claude-opus-4-6", "anthropic/claude-haiku-4-5"])
def test_provider_prefixed_names(model: str) -> None:
    assert split_model(model) == ("anthropic", model.split("/", 1)[1])
    usage = Usage(1_200, 800, 50_000, 4_000)
    assert price_call(model, usage, AT) == pytest.approx(
        price_call(model.split("/", 1)[1], usage, AT)
    )
    assert price_call(model, usage, AT) is not None


@pytest.mark.parametrize("model", ["llama-local-7b", "totally-unknown-model-xyz", None, ""])
def test_unknown_model_has_no_price(model: str | None) -> None:
    assert price_call(model, Usage(1_000, 1_000), AT) is None
    assert not is_priced(model)


def test_known_model_is_priced() -> None:
    assert is_priced("claude-haiku-4-5")
    assert is_priced("anthropic/claude-opus-4-6")


def test_split_model() -> None:
    assert split_model("claude-opus-4-6") == (None, "claude-opus-4-6")
    assert split_model("anthropic/claude-opus-4-6") == ("anthropic", "claude-opus-4-6")
    assert split_model("trailing/") == (None, "trailing/")


def library_price(model: str, usage: Usage, at: datetime) -> float:
    """genai-prices' own answer; its `input_tokens` is the whole prompt, cached parts included."""
    provider, name = split_model(model)
    result = calc_price(
        PriceUsage(
            input_tokens=usage.input_tokens + usage.cache_read_tokens + usage.cache_write_tokens,
            output_tokens=usage.output_tokens,
            cache_read_tokens=usage.cache_read_tokens,
            cache_write_tokens=usage.cache_write_tokens,
            cache_write_1h_tokens=usage.cache_write_1h_tokens or None,
        ),
        name,
        provider_id=provider,
        genai_request_timestamp=at,
    )
    return float(result.total_price)


def every_listed_model() -> list[str]:
    """Every model genai-prices lists for Anthropic, OpenAI and Google, as 'provider/model'."""
    providers = {p.id: p for p in data_snapshot.get_snapshot().providers}
    return [
        f"{pid}/{m.id}" for pid in ("anthropic", "openai", "google") for m in providers[pid].models
    ]


MODELS = every_listed_model()
TIERED = [
    "claude-sonnet-4-5",
    "claude-sonnet-4-6",
    "anthropic/claude-opus-4-6",
    "google/gemini-2.5-pro",
]


def test_the_model_list_is_the_whole_list() -> None:
    assert len(MODELS) > 150
    assert "anthropic/claude-sonnet-4-5" in MODELS


def test_tiered_models_resolve_to_more_than_one_tier() -> None:
    """Otherwise the equivalence tests below would not test tier switching at all."""
    for model in TIERED:
        rates = pricing.model_rates(model, AT.date())
        assert isinstance(rates, pricing.ModelRates), model
        assert len(rates.tiers) >= 2 and rates.starts, model


def test_one_hour_writes_cost_more_than_five_minute_ones() -> None:
    usage_5m = Usage(0, 0, 0, 10_000)
    usage_1h = Usage(0, 0, 0, 10_000, 10_000)
    five, hour = (
        price_call("claude-sonnet-4-5", usage_5m, AT),
        price_call("claude-sonnet-4-5", usage_1h, AT),
    )
    assert five == pytest.approx(10_000 * 3.75 / 1e6)
    assert hour == pytest.approx(10_000 * 6.0 / 1e6)  # 2x the $3 input rate


def _calls(model: str) -> list[Usage]:
    """Calls around every tier edge of the model, with and without cache reads and writes."""
    rates = pricing.model_rates(model, AT.date())
    edges = [0, 1, 1_000, 150_000] + [
        s + d
        for s in (rates.starts if isinstance(rates, pricing.ModelRates) else ())
        for d in (-1, 0, 1, 2)
    ]
    calls = []
    for prompt in edges:
        prompt = max(prompt, 0)
        third = prompt // 3
        calls.append(Usage(prompt, 777))
        calls.append(Usage(prompt - 2 * third, 12_345, third, third, third // 2))
        calls.append(Usage(0, 3, prompt, 0))
        calls.append(Usage(0, 0, 0, prompt, prompt))
    return calls


def _same(model: str, usage: Usage, at: datetime) -> None:
    try:
        expected = library_price(model, usage, at)
    except (LookupError, ValueError):
        assert price_call(model, usage, at) is None
        return
    assert price_call(model, usage, at) == pytest.approx(expected, rel=1e-9, abs=1e-12), (
        model,
        usage,
    )


@pytest.mark.parametrize("model", MODELS)
def test_every_listed_model_prices_like_calc_price(model: str) -> None:
    for usage in _calls(model):
        _same(model, usage, AT)


tokens = st.integers(min_value=0, max_value=400_000)


@st.composite
def calls(draw: st.DrawFn) -> Usage:
    write = draw(tokens)
    return Usage(
        draw(tokens), draw(st.integers(0, 64_000)), draw(tokens), write, draw(st.integers(0, write))
    )


@settings(max_examples=400, deadline=None)
@given(
    model=st.sampled_from(MODELS + TIERED),
    usage=calls(),
    day=st.integers(min_value=0, max_value=500),
)
def test_price_call_equals_calc_price(model: str, usage: Usage, day: int) -> None:
    _same(model, usage, datetime(2025, 10, 1, 12, tzinfo=UTC) + timedelta(days=day))


def test_price_without_a_time_uses_today() -> None:
    usage = Usage(1_000, 100)
    assert price_call("claude-haiku-4-5", usage) == pytest.approx(
        library_price("claude-haiku-4-5", usage, datetime.now(UTC))
    )


@pytest.mark.parametrize("model", MODELS + TIERED)
def test_rates_kept_by_the_transcript_cache_are_the_rates_resolved(model: str) -> None:
    """A later run takes a (model, day)'s rates from the cache instead of genai-prices: they
    come back equal, float for float, so they price every call as `calc_price` does (above)."""
    fresh = pricing.model_rates(model, AT.date())
    kept = msgspec.json.decode(
        msgspec.json.encode([KnownRates(model, AT.date(), fresh)]), type=list[KnownRates]
    )
    assert kept == [KnownRates(model, AT.date(), fresh)]


def test_remembered_rates_are_answered_as_they_are_and_kept_from_a_day_on() -> None:
    day = AT.date() - timedelta(days=4000)  # a day no test resolves
    rates = pricing.model_rates("claude-haiku-4-5", AT.date())
    pricing.remember_rates([("claude-haiku-4-5", day, rates)])
    try:
        assert pricing.model_rates("claude-haiku-4-5", day) is rates
        assert ("claude-haiku-4-5", day, rates) in pricing.resolved_rates(day)
        assert ("claude-haiku-4-5", day, rates) not in pricing.resolved_rates(AT.date())
        assert ("claude-haiku-4-5", AT.date(), rates) in pricing.resolved_rates(AT.date())
    finally:
        pricing._REMEMBERED.clear()
        pricing._RESOLVED.pop(("claude-haiku-4-5", day))
        pricing.model_rates.cache_clear()
