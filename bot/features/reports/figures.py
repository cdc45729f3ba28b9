"""Report figures: periods, totals of a set of workshops, and their chart as a PNG (matplotlib)."""

from __future__ import annotations

import io
import textwrap
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.workshops import Workshop

MAX_MONTH_LABELS = 12
HEADROOM = 1.3  # the per-month axes reach this far above the highest value
# Period key -> how many calendar months back it reaches (this one included); None: all time.
PERIODS: dict[str, int | None] = {"m1": 1, "m3": 3, "m12": 12, "all": None}


def month_start(day: date, back: int = 0) -> date:
    """The first day of the month `back` months before the month of `day`."""
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def period_range(key: str, today: date) -> tuple[date | None, date | None]:
    """Inclusive (since, until) of a period key; (None, None) for all time."""
    months = PERIODS[key]
    if months is None:
        return None, None
    return month_start(today, months - 1), today


def months_between(first: date, last: date) -> list[date]:
    """First days of every month from the month of `first` to the month of `last`."""
    months, current = [], month_start(first)
    while current <= last:
        months.append(current)
        current = month_start(current, -1)
    return months


@dataclass(frozen=True)
class Summary:
    """The totals a report shows."""

    workshops: int
    participants: int
    communities: int
    mentors: int
    mean_participants: float
    support: int
    themes: dict[str, int]  # section id -> workshops covering it
    months: list[tuple[date, int, int]]  # (first day of month, workshops, participants)


class Tally:
    """The totals of a report, counted page by page (workshops are never all held at once)."""

    def __init__(self) -> None:
        self.workshops = 0
        self.participants = 0
        self.support = 0
        self.communities: set[str] = set()
        self.mentors: set[int] = set()
        self.themes: Counter[str] = Counter()
        self.per_month: dict[date, list[int]] = {}
        self.first: date | None = None
        self.last: date | None = None

    def add(self, workshops: Iterable[Workshop]) -> None:
        """Count these workshops too."""
        for w in workshops:
            self.workshops += 1
            self.participants += w.participants
            self.support += w.needs_support
            self.communities.add(" ".join(w.community.split()).casefold())
            if w.mentor_id is not None:
                self.mentors.add(w.mentor_id)
            self.themes.update(set(w.themes))
            counts = self.per_month.setdefault(month_start(w.held_on), [0, 0])
            counts[0] += 1
            counts[1] += w.participants
            if self.first is None or w.held_on < self.first:
                self.first = w.held_on
            if self.last is None or w.held_on > self.last:
                self.last = w.held_on

    def summary(self, since: date | None = None, until: date | None = None) -> Summary:
        """The totals of every workshop counted, months from `since` (or the first) on."""
        first, last = since or self.first, until or self.last
        span = months_between(first, last) if first and last else []
        per_month = {m: [0, 0] for m in span} | self.per_month
        communities = self.communities - {""}
        return Summary(
            workshops=self.workshops,
            participants=self.participants,
            communities=len(communities),
            mentors=len(self.mentors),
            mean_participants=(
                round(self.participants / self.workshops, 1) if self.workshops else 0.0
            ),
            support=self.support,
            themes=dict(self.themes),
            months=[(m, c[0], c[1]) for m, c in sorted(per_month.items())],
        )


def summarise(
    workshops: Iterable[Workshop], since: date | None = None, until: date | None = None
) -> Summary:
    """Totals, per-theme and per-month counts of the workshops of a period."""
    tally = Tally()
    tally.add(workshops)
    return tally.summary(since, until)


@dataclass(frozen=True)
class Chart:
    """Everything the chart shows, texts already translated."""

    title: str
    per_month_title: str
    workshops_label: str
    participants_label: str
    themes_title: str
    months: list[tuple[str, int, int]]  # (label, workshops, participants)
    themes: list[tuple[str, int]]  # (section title, workshops)


def render_chart(chart: Chart) -> bytes:
    """The report chart as PNG (Agg, no pyplot state: safe in a worker thread)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(9, 8), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1, height_ratios=[3, 2])
    _plot_months(top, chart, MaxNLocator)
    _plot_themes(bottom, chart, MaxNLocator)
    figure.suptitle(chart.title, fontsize=13)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    figure.clear()
    return buffer.getvalue()


def _plot_months(axes, chart: Chart, locator) -> None:
    positions = list(range(len(chart.months)))
    labels = [m[0] for m in chart.months]
    bars = axes.bar(
        positions, [m[1] for m in chart.months], color="#4c78a8", label=chart.workshops_label
    )
    axes.set_ylabel(chart.workshops_label)
    axes.set_ylim(0, max([m[1] for m in chart.months] + [1]) * HEADROOM)  # room for the legend
    axes.yaxis.set_major_locator(locator(integer=True))
    right = axes.twinx()
    (line,) = right.plot(
        positions,
        [m[2] for m in chart.months],
        color="#f58518",
        marker="o",
        label=chart.participants_label,
    )
    right.set_ylabel(chart.participants_label)
    right.set_ylim(0, max([m[2] for m in chart.months] + [1]) * HEADROOM)
    right.yaxis.set_major_locator(locator(integer=True))
    step = max(1, -(-len(labels) // MAX_MONTH_LABELS))
    axes.set_xticks(positions[::step], labels[::step], rotation=45 if len(labels) > 6 else 0)
    axes.set_title(chart.per_month_title)
    axes.legend(handles=[bars, line], loc="upper left", ncols=2)


def _plot_themes(axes, chart: Chart, locator) -> None:
    names = [textwrap.fill(t[0], 32) for t in reversed(chart.themes)]
    bars = axes.barh(names, [t[1] for t in reversed(chart.themes)], color="#54a24b")
    axes.bar_label(bars, padding=3)
    axes.xaxis.set_major_locator(locator(integer=True))
    axes.set_xlim(right=max([t[1] for t in chart.themes] + [1]) * 1.15)
    axes.set_title(chart.themes_title)
