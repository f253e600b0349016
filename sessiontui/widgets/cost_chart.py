"""Spend over time, drawn in the terminal: stacked bars per hour or day by model or bot, and the
burn rate ($/h) as a line. Drawn with textual-plotext (plotext inside a Textual widget)."""

from __future__ import annotations

from textual_plotext import PlotextPlot

from sessiontui.rules.cost_series import SpendSeries

MAX_GROUPS = 6  # the largest groups by spend; the rest are summed as "other"


def _top_groups(series: SpendSeries) -> dict[str, list[float]]:
    ranked = sorted(series.groups.items(), key=lambda item: -sum(item[1]))
    kept = dict(ranked[:MAX_GROUPS])
    rest = ranked[MAX_GROUPS:]
    if rest:
        kept["other"] = [sum(values[i] for _, values in rest) for i in range(len(series.buckets))]
    return kept


def _tick_labels(labels: list[str], per: str) -> list[str]:
    return [label[5:] if per == "day" else label for label in labels]  # "05-03" for a day


class SpendBars(PlotextPlot):
    """Spend per bucket as stacked bars, one colour per model or bot."""

    def show(self, series: SpendSeries, title: str) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(title)
        groups = _top_groups(series)
        ticks = _tick_labels(series.buckets, series.per)
        if groups and any(any(values) for values in groups.values()):
            plt.stacked_bar(ticks, list(groups.values()), labels=[name[:28] for name in groups])  # type: ignore[call-arg]  # typed shim lags plotext
        else:
            plt.bar(ticks, [0.0] * len(ticks))
        plt.ylabel("$")
        self.refresh()


class BurnLine(PlotextPlot):
    """Dollars per hour over the window, as a line."""

    def show(self, series: SpendSeries, title: str) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(title)
        xs = list(range(1, len(series.buckets) + 1))
        plt.plot(xs, series.burn_per_hour, marker="braille")
        plt.xticks(
            []
        )  # the buckets of the bars beside it (plotext places its own labels unsteadily)
        plt.xlim(0.5, len(xs) + 0.5)
        plt.xlabel(f"{series.buckets[0]} … {series.buckets[-1]}" if series.buckets else "")
        plt.ylabel("$/h")
        self.refresh()
