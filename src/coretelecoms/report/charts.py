"""Inline SVG charts (no JavaScript, no fetches): stacked bars, lines, horizontal bars and a scatter plot."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

PALETTE = ("#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#0891b2", "#db2777", "#65a30d")
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 48
EMPTY = '<p class="empty">No data yet.</p>'


def color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def nice_max(value: float) -> float:
    """The smallest 1/2/5 x 10^k at or above `value` (an axis that ends on a round number)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:,.2g}"


def _svg(body: list[str], label: str, width: int = WIDTH, height: int = HEIGHT) -> str:
    return (
        f'<svg viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" class="chart">' + "".join(body) + "</svg>"
    )


def _y_axis(top: float, plot_h: float, width: int = WIDTH, percent: bool = False) -> list[str]:
    """Horizontal grid lines with labels at 0, 1/4 ... of `top`."""
    parts = []
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        text = f"{value:.0%}" if percent else _fmt(value)
        parts.append(f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{text}</text>')
    return parts


def _x_labels(labels: Sequence[str], xs: Sequence[float], plot_h: float) -> list[str]:
    """Every n-th category label under the axis, so they never overlap."""
    # A date label is ~70 px wide: at most one per 90 px of plot.
    step = max(1, math.ceil(len(labels) / max(1, (WIDTH - LEFT - RIGHT) // 90)))
    parts = []
    for i, (label, x) in enumerate(zip(labels, xs, strict=True)):
        if i % step == 0:
            # The outermost labels hang inwards so a wide date is not cut at the chart's edge.
            anchor = "start" if x <= LEFT + 1 else "end" if x >= WIDTH - RIGHT - 1 else "middle"
            parts.append(
                f'<text x="{x:.1f}" y="{TOP + plot_h + 16}" text-anchor="{anchor}" class="tick">{escape(label)}</text>'
            )
    return parts


def legend(names: Sequence[str], colors: Sequence[str] | None = None) -> str:
    """An HTML legend matching the series colours."""
    items = "".join(
        f'<span class="key"><i style="background:{colors[i] if colors else color(i)}"></i>{escape(name)}</span>'
        for i, name in enumerate(names)
    )
    return f'<div class="legend">{items}</div>'


def stacked_bars(
    labels: Sequence[str], series: dict[str, Sequence[float]], label: str, colors: Sequence[str] | None = None
) -> str:
    """Vertical bars, one per label, stacked by series (e.g. complaints per day and channel)."""
    if not labels:
        return EMPTY
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    top = nice_max(max(totals, default=0))
    slot = plot_w / len(labels)
    bar = max(1.0, slot * 0.7)
    body = _y_axis(top, plot_h)
    xs = [LEFT + slot * i + slot / 2 for i in range(len(labels))]
    for i, x in enumerate(xs):
        base = TOP + plot_h
        for s, (name, values) in enumerate(series.items()):
            h = plot_h * values[i] / top
            if h <= 0:
                continue
            base -= h
            tip = f"{labels[i]} {name}: {_fmt(values[i])}"
            body.append(
                f'<rect x="{x - bar / 2:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{colors[s] if colors else color(s)}"><title>{escape(tip)}</title></rect>'
            )
    body += _x_labels(labels, xs, plot_h)
    return _svg(body, label) + legend(list(series), colors)


def lines(labels: Sequence[str], series: dict[str, Sequence[float]], label: str) -> str:
    """One polyline per series over shared labels (e.g. open backlog and SLA breaches per day)."""
    if not labels:
        return EMPTY
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = nice_max(max((v for values in series.values() for v in values), default=0))
    step = plot_w / max(1, len(labels) - 1)
    xs = [LEFT + step * i if len(labels) > 1 else LEFT + plot_w / 2 for i in range(len(labels))]
    body = _y_axis(top, plot_h)
    for s, (name, values) in enumerate(series.items()):
        points = [(x, TOP + plot_h - plot_h * v / top) for x, v in zip(xs, values, strict=True)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{color(s)}" stroke-width="2.5"/>')
        for (x, y), label_, value in zip(points, labels, values, strict=True):
            tip = f"{label_} {name}: {_fmt(value)}"
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color(s)}"><title>{escape(tip)}</title></circle>'
            )
    body += _x_labels(labels, xs, plot_h)
    return _svg(body, label) + legend(list(series))


def hbars(
    labels: Sequence[str], values: Sequence[float], label: str, unit: str = "", percent: bool = False
) -> str:
    """Horizontal bars with their values written at the end (e.g. median resolution hours by category)."""
    if not labels:
        return EMPTY
    row, pad_left = 28, 150
    height = TOP + row * len(labels) + 8
    plot_w = WIDTH - pad_left - 90
    top = 1.0 if percent else nice_max(max(values, default=0))
    body = []
    for i, (name, value) in enumerate(zip(labels, values, strict=True)):
        y = TOP + row * i
        w = max(0.0, plot_w * value / top) if top else 0.0
        text = f"{value:.1%}" if percent else f"{_fmt(value)}{unit}"
        body.append(
            f'<text x="{pad_left - 8}" y="{y + 17}" text-anchor="end" class="label">{escape(name)}</text>'
        )
        body.append(
            f'<rect x="{pad_left}" y="{y + 4}" width="{w:.1f}" height="{row - 10}" fill="{color(i)}"/>'
        )
        body.append(f'<text x="{pad_left + w + 6:.1f}" y="{y + 17}" class="value">{escape(text)}</text>')
    return _svg(body, label, height=height)


def scatter(points: Sequence[tuple[float, float, str, str]], label: str, x_title: str, y_title: str) -> str:
    """Points (x, y in 0..1, tooltip, group); colour by group (e.g. agents: workload vs resolution rate)."""
    if not points:
        return EMPTY
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    right = nice_max(max(p[0] for p in points))
    groups = sorted({p[3] for p in points})
    body = _y_axis(1.0, plot_h, percent=True)
    for i in range(5):
        x = LEFT + plot_w * i / 4
        body.append(
            f'<text x="{x:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" class="tick">{_fmt(right * i / 4)}</text>'
        )
    body.append(
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 8}" text-anchor="middle" class="axis">{escape(x_title)}</text>'
    )
    body.append(
        f'<text x="14" y="{TOP + plot_h / 2}" text-anchor="middle" class="axis" '
        f'transform="rotate(-90 14 {TOP + plot_h / 2})">{escape(y_title)}</text>'
    )
    for x_value, y_value, tip, group in points:
        x = LEFT + plot_w * x_value / right
        y = TOP + plot_h - plot_h * min(max(y_value, 0.0), 1.0)
        fill = color(groups.index(group))
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{fill}" fill-opacity="0.75"><title>{escape(tip)}</title></circle>'
        )
    return _svg(body, label) + legend(groups)
