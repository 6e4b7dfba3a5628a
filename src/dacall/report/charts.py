"""The report's charts, one function each: plain data in (labels and numbers), SVG text out.

Drawn with matplotlib and embedded as SVG, so the page opens offline and makes no request to
any address. Shares are drawn on 0-100 axes: a truncated axis makes a one-point change look
like a fall.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Mapping, Sequence

Labels = Sequence[str]
Numbers = Sequence[float]


def _svg(draw: Callable, figsize=(8, 3.2)) -> str:
    """The SVG of one chart drawn by `draw(axis)`, without the XML prologue (it goes inline)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Month labels ("2025-01") are categories on purpose; matplotlib says so at INFO, per chart.
    logging.getLogger("matplotlib.category").setLevel(logging.WARNING)
    figure, axis = plt.subplots(figsize=figsize)
    try:
        draw(axis)
        axis.spines[["top", "right"]].set_visible(False)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", bbox_inches="tight")
    finally:
        plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


# A month axis labels at most this many months. Five years' sixty rotated labels overlap on a
# chart's width, and drawing them took most of the time of the report's charts at that history.
MOST_MONTH_LABELS = 24


def _month_axis(axis, months: Labels) -> None:
    """Label every month, or every 2nd, 3rd, 6th or 12th month when there are more than
    MOST_MONTH_LABELS (a step that divides a year, so a label falls on the same months each
    year), counted back from the latest month, which is always labelled."""
    step = next(
        (step for step in (1, 2, 3, 6, 12) if len(months) <= MOST_MONTH_LABELS * step),
        -(-len(months) // MOST_MONTH_LABELS),
    )
    axis.set_xticks(list(months)[::-1][::step][::-1])
    axis.tick_params(axis="x", rotation=45)


def _percent_line(axis, x, y, label: str) -> None:
    axis.plot(x, y, color="black", marker="o")
    axis.set_ylim(0, 100)
    axis.set_ylabel(label)


def answered_within_target(months: Labels, pct: Numbers, standard: float, seconds: int) -> str:
    def draw(ax):
        ax.plot(months, pct, marker="o", label=f"answered within {seconds} s")
        ax.axhline(standard, color="red", linestyle="--", label=f"{standard}% standard")
        ax.set_ylim(0, 100)
        ax.set_ylabel("% of answered 999 calls")
        ax.legend(frameon=False)
        _month_axis(ax, months)

    return _svg(draw)


def abandoned_and_silent(
    months: Labels,
    abandoned: Numbers,
    silent: Numbers,
    pct_called_back: Numbers,
    callback_minutes: int,
) -> str:
    def draw(ax):
        ax.bar(months, abandoned, label="abandoned")
        ax.bar(months, silent, bottom=abandoned, label="silent")
        _percent_line(
            ax.twinx(),
            months,
            pct_called_back,
            f"% called back within {callback_minutes} min (line)",
        )
        ax.set_ylabel("calls")
        ax.legend(frameon=False, loc="lower left", bbox_to_anchor=(0, 1), ncols=2)
        _month_axis(ax, months)

    return _svg(draw)


def monthly_share(months: Labels, pct: Numbers, label: str) -> str:
    """A share by month on a 0-100 axis (Grade 1 attendance, checks with a matching entry)."""

    def draw(ax):
        _percent_line(ax, months, pct, label)
        _month_axis(ax, months)

    return _svg(draw)


def monthly_count(months: Labels, counts: Numbers, label: str, color: str | None = None) -> str:
    """A count by month (repeat callers, missed history)."""

    def draw(ax):
        ax.bar(months, counts, color=color)
        ax.set_ylabel(label)
        _month_axis(ax, months)

    return _svg(draw)


def claimed_and_matched(groups: Labels, claims: Numbers, matched: Numbers, across: bool) -> str:
    """Claims and those with a matching audit entry, per group; `across` lays the bars
    horizontally (for long group names such as teams)."""

    def draw(ax):
        bars = ax.barh if across else ax.bar
        bars(groups, claims, label="claimed")
        bars(groups, matched, label="with a matching audit entry")
        if across:
            ax.legend(frameon=False, loc="lower left", bbox_to_anchor=(0, 1), ncols=2)
            ax.set_xlabel("claims")
        else:
            ax.legend(frameon=False)
            ax.set_ylabel("claims")

    return _svg(draw)


def exceptions_by_status(statuses: Labels, claims: Numbers) -> str:
    def draw(ax):
        ax.bar(statuses, claims)
        ax.tick_params(axis="x", rotation=30)
        ax.set_ylabel("claims")

    return _svg(draw)


def review_outcomes(months: Labels, incidents_by_outcome: Mapping[str, Numbers]) -> str:
    """Outcomes stacked by month, one colour per outcome."""

    def draw(ax):
        bottom = [0] * len(months)
        for outcome, counts in incidents_by_outcome.items():
            ax.bar(months, counts, bottom=bottom, label=outcome)
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
        _month_axis(ax, months)
        ax.set_ylabel("incidents (per system)")
        ax.legend(frameon=False, fontsize="small")

    return _svg(draw)


def parser_review(reasons: Labels, entries: Numbers) -> str:
    def draw(ax):
        ax.barh(reasons, entries, color="slategray")
        ax.set_xlabel("log entries")
        ax.invert_yaxis()

    return _svg(draw)
