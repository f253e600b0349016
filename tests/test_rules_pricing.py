"""rules/pricing.price_call: the price of one API call, checked by hand and against
genai-prices' own calc_price."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from genai_prices import Usage as PriceUsage
from genai_prices import calc_price
from hypothesis import given, settings
from hypothesis import strategies as st

from sessiontui.model import Usage
from sessiontui.rules import pricing
from sessiontui.rules.pricing import is_priced, price_call, split_model

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
        ),
        name,
        provider_id=provider,
        genai_request_timestamp=at,
    )
    return float(result.total_price)


# Plain per-token models take price_call's fast path; tiered ones go through the library.
FAST = ["claude-haiku-4-5", "claude-sonnet-4", "claude-opus-4-1", "anthropic/claude-haiku-4-5"]
LIBRARY = ["claude-sonnet-4-6", "claude-opus-4-6", "anthropic/claude-opus-4-6", "gpt-4o"]


def test_fast_path_is_taken_for_linear_models() -> None:
    """Otherwise the equivalence test below would not test the fast path at all."""
    day = AT.date()
    for model in FAST:
        assert isinstance(pricing._linear_rates(model, day), pricing._LinearRates), model
    for model in LIBRARY:
        assert pricing._linear_rates(model, day) is None, model


tokens = st.integers(min_value=0, max_value=400_000)


@settings(max_examples=150, deadline=None)
@given(
    model=st.sampled_from(FAST + LIBRARY),
    usage=st.builds(Usage, tokens, st.integers(0, 64_000), tokens, tokens),
    day=st.integers(min_value=0, max_value=300),
)
def test_price_call_equals_calc_price(model: str, usage: Usage, day: int) -> None:
    at = datetime(2025, 10, 1, 12, tzinfo=UTC) + timedelta(days=day)
    assert price_call(model, usage, at) == pytest.approx(
        library_price(model, usage, at), rel=1e-9, abs=1e-12
    )


def test_price_without_a_time_uses_today() -> None:
    usage = Usage(1_000, 100)
    assert price_call("claude-haiku-4-5", usage) == pytest.approx(
        library_price("claude-haiku-4-5", usage, datetime.now(UTC))
    )
