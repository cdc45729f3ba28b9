"""Charts as inline SVG, drawn on the server: no script, styled by the console's stylesheet.

Each chart has a <title> (read by screen readers) and every bar its own <title> (a tooltip);
the pages also show the same numbers as a table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 360  # bar charts and the narrow month chart; scaled to the page
FONT = 13


def nice_ceiling(value: float) -> int:
    """The axis top: 1, 2 or 5 times a power of ten, at least `value` (and at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return int(step * power)
    return int(10 * power)  # pragma: no cover - the loop always returns


@dataclass(frozen=True)
class Month:
    """One month of the overview chart."""

    label: str  # e.g. "03/26"
    workshops: int
    participants: int
    tip: str  # "March 2026: 4 workshops, 52 participants"


def months_chart(
    title: str, months: list[Month], bars_label: str, line_label: str, *, width: int = 720
) -> Markup:
    """Workshops per month as bars (left axis) and participants as a line (right axis).

    Draw it twice, wide (720) and narrow (360): the page shows the one that fits the screen, so
    the labels keep a readable size on a phone.
    """
    left, right, top, bottom = 34, 40, 26, 34
    height = 230
    plot_w, plot_h = width - left - right, height - top - bottom
    bar_top = nice_ceiling(max([m.workshops for m in months] + [1]))
    line_top = nice_ceiling(max([m.participants for m in months] + [1]))
    slot = plot_w / max(len(months), 1)
    every = max(1, math.ceil(len(months) * 44 / plot_w))  # a label needs about 44 units
    css = "wide" if width > WIDTH else "narrow"
    parts = [_open(title, height, width, f"months {css}")]
    parts.append(_legend(left, 14, [("bar", bars_label), ("line", line_label)]))
    for share in (0, 0.5, 1):
        y = top + plot_h * (1 - share)
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        parts.append(_text(left - 6, y + 4, _num(bar_top * share), "axis", "end"))
        parts.append(_text(width - right + 6, y + 4, _num(line_top * share), "axis line-axis"))
    points = []
    for i, month in enumerate(months):
        x = left + i * slot
        h = plot_h * month.workshops / bar_top
        bar_w = max(slot * 0.6, 1)
        parts.append(
            f'<rect class="bar" x="{x + (slot - bar_w) / 2:.1f}" y="{top + plot_h - h:.1f}" '
            f'width="{bar_w:.1f}" height="{h:.1f}"><title>{escape(month.tip)}</title></rect>'
        )
        if (len(months) - 1 - i) % every == 0:  # the latest month always has its label
            parts.append(_text(x + slot / 2, height - bottom + 16, month.label, "axis", "middle"))
        points.append((x + slot / 2, top + plot_h * (1 - month.participants / line_top)))
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline class="line" points="{path}"/>')
        parts += [f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3"/>' for x, y in points]
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class Bar:
    """One row of a horizontal bar chart."""

    label: str
    value: float  # in the chart's unit (a count, or a share 0..1)
    text: str  # what is written after the bar, e.g. "12" or "78 % (23 answers)"


def bars_chart(
    title: str, bars: list[Bar], *, top: float | None = None, kind: str = "bar"
) -> Markup:
    """Horizontal bars, each with its label above it and its value after it."""
    row, pad = 42, 6
    height = pad * 2 + row * max(len(bars), 1)
    top = top or nice_ceiling(max([b.value for b in bars] + [1]))
    span = WIDTH - 100
    parts = [_open(title, height, WIDTH, "bars")]
    for i, bar in enumerate(bars):
        y = pad + i * row
        w = span * (bar.value / top) if top else 0
        parts.append(_text(0, y + FONT, bar.label, "label"))
        parts.append(f'<rect class="track" x="0" y="{y + 19}" width="{span}" height="14" rx="3"/>')
        parts.append(
            f'<rect class="{kind}" x="0" y="{y + 19}" width="{w:.1f}" height="14" rx="3">'
            f"<title>{escape(bar.label)}: {escape(bar.text)}</title></rect>"
        )
        parts.append(_text(span + 8, y + 31, bar.text, "value"))
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(title: str, height: int, width: int, css: str) -> str:
    return (
        f'<svg class="chart {css}" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="{FONT}"><title>{escape(title)}</title>'
    )


def _legend(x: float, y: float, items: list[tuple[str, str]]) -> str:
    parts = []
    for kind, label in items:
        parts.append(f'<rect class="{kind}" x="{x}" y="{y - 9}" width="10" height="10" rx="2"/>')
        parts.append(_text(x + 14, y, label, "legend"))
        x += 26 + 7.5 * len(label)
    return "".join(parts)


def _text(x: float, y: float, text: str, css: str, anchor: str = "start") -> str:
    return (
        f'<text class="{css}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(text)}</text>'
    )


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}"
