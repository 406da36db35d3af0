"""Charts as inline SVG, drawn on the server: no script, no CDN, prints as it shows.

Each function returns ``Markup`` (labels escaped here) sized by its ``viewBox`` so that it
scales to a phone's width.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

COLORS = ("#c0392b", "#2e86c1", "#27ae60", "#8e44ad", "#d68910", "#7f8c8d")
_FONT = 'font-size="11" fill="#333"'


def _svg(width: int, height: int, body: list[str], title: str) -> Markup:
    return Markup(f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
                  f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(body)}</svg>')


def _fmt(value: float, pct: bool) -> str:
    return f"{value:.1%}" if pct else (f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}")


def _axis(w: int, h: int, left: int, bottom: int, top: int, hi: float) -> list[str]:
    """The base line and the top value of a vertical bar chart."""
    return [f'<line x1="{left}" y1="{h - bottom}" x2="{w - 10}" y2="{h - bottom}" stroke="#999"/>',
            f'<text x="{left - 4}" y="{top + 8}" text-anchor="end" {_FONT}>{_fmt(hi, False)}</text>']


def _x_labels(labels: Sequence[str], left: int, slot: float, y: float) -> list[str]:
    """One label under each bar slot, at most about 12 of them."""
    n = len(labels)
    return [f'<text x="{left + (i + .5) * slot:.1f}" y="{y}" text-anchor="middle" {_FONT}>{escape(labels[i])}</text>'
            for i in range(n) if n <= 12 or i % max(1, n // 12) == 0]


def _legend(names: Sequence[str], left: int, h: int) -> list[str]:
    """A colour box and name per series along the bottom."""
    out, lx = [], left
    for k, name in enumerate(names):
        out.append(f'<rect x="{lx}" y="{h - 16}" width="10" height="10" fill="{COLORS[k % len(COLORS)]}"/>'
                   f'<text x="{lx + 14}" y="{h - 7}" {_FONT}>{escape(name)}</text>')
        lx += 24 + 11 * len(name)  # CJK characters are about as wide as the font size
    return out


def line_chart(labels: Sequence[str], values: Sequence[float | None], title: str, *, pct: bool = False) -> Markup:
    """One series over time (e.g. a household's probability by week); gaps stay gaps."""
    w, h, left, bottom, top = 560, 180, 48, 30, 12
    known = [v for v in values if v is not None]
    if not known:
        return Markup("")
    hi = max(known) * 1.1 or 1.0
    if pct:
        hi = min(hi, 1.0)
    n = len(values)
    x = [left + 20 + (w - left - 50) * (i / max(n - 1, 1)) for i in range(n)]

    def y(v: float) -> float:
        return top + (h - top - bottom) * (1 - v / hi)

    body = [f'<line x1="{left}" y1="{h - bottom}" x2="{w - 10}" y2="{h - bottom}" stroke="#999"/>',
            f'<text x="{left - 4}" y="{y(hi) + 4:.1f}" text-anchor="end" {_FONT}>{_fmt(hi, pct)}</text>',
            f'<text x="{left - 4}" y="{h - bottom}" text-anchor="end" {_FONT}>0</text>']
    path, pen = [], "M"
    for xi, v in zip(x, values):
        if v is None:
            pen = "M"
            continue
        path.append(f"{pen}{xi:.1f},{y(v):.1f}")
        pen = "L"
        body.append(f'<circle cx="{xi:.1f}" cy="{y(v):.1f}" r="3" fill="{COLORS[0]}"><title>{_fmt(v, pct)}</title></circle>')
    body.insert(0, f'<path d="{" ".join(path)}" fill="none" stroke="{COLORS[0]}" stroke-width="2"/>')
    step = max(1, n // 6)
    for i in range(0, n, step):
        body.append(f'<text x="{x[i]:.1f}" y="{h - 10}" text-anchor="middle" {_FONT}>{escape(labels[i])}</text>')
    return _svg(w, h, body, title)


def bar_chart(items: Sequence[tuple[str, float]], title: str, *, pct: bool = False,
              threshold: float | None = None) -> Markup:
    """Horizontal bars, signed (e.g. contributions by risk type, PSI by feature)."""
    if not items:
        return Markup("")
    w, row, label_w = 560, 24, 190
    h = row * len(items) + 10
    lo = min(0.0, min(v for _, v in items))
    hi = max(0.0, max(v for _, v in items), threshold or 0.0)
    span = (hi - lo) or 1.0
    plot = w - label_w - 70

    def x(v: float) -> float:
        return label_w + plot * (v - lo) / span

    body = [f'<line x1="{x(0):.1f}" y1="0" x2="{x(0):.1f}" y2="{h}" stroke="#999"/>']
    for i, (label, v) in enumerate(items):
        y0 = 5 + i * row
        a, b = sorted((x(0), x(v)))
        color = COLORS[0] if v >= 0 else COLORS[2]
        body.append(f'<text x="{label_w - 6}" y="{y0 + 15}" text-anchor="end" {_FONT}>{escape(label)}</text>'
                    f'<rect x="{a:.1f}" y="{y0 + 3}" width="{max(b - a, 1):.1f}" height="{row - 8}" fill="{color}"/>'
                    f'<text x="{max(a, b) + 4:.1f}" y="{y0 + 15}" {_FONT}>{_fmt(v, pct)}</text>')
    if threshold is not None:
        body.append(f'<line x1="{x(threshold):.1f}" y1="0" x2="{x(threshold):.1f}" y2="{h}" stroke="#555" '
                    f'stroke-dasharray="4 3"><title>{_fmt(threshold, pct)}</title></line>')
    return _svg(w, h, body, title)


def stacked_bars(labels: Sequence[str], series: dict[str, Sequence[float]], title: str) -> Markup:
    """Vertical stacked bars (e.g. monthly income by source), with a legend; negatives drawn as 0."""
    n = len(labels)
    if not n or not series:
        return Markup("")
    w, h, left, bottom, top = 560, 210, 52, 46, 10
    totals = [sum(max(0.0, float(s[i])) for s in series.values()) for i in range(n)]
    hi = max(totals) * 1.05 or 1.0
    slot = (w - left - 10) / n
    body = _axis(w, h, left, bottom, top, hi)
    for i in range(n):
        base = h - bottom
        for k, values in enumerate(series.values()):
            v = max(0.0, float(values[i]))
            bar = (h - top - bottom) * v / hi
            base -= bar
            body.append(f'<rect x="{left + i * slot + 2:.1f}" y="{base:.1f}" width="{max(slot - 4, 1):.1f}" '
                        f'height="{bar:.1f}" fill="{COLORS[k % len(COLORS)]}"><title>{_fmt(v, False)}</title></rect>')
    body += _x_labels(labels, left, slot, h - bottom + 14) + _legend(series, left, h)
    return _svg(w, h, body, title)


def grouped_bars(labels: Sequence[str], series: dict[str, Sequence[float]], title: str) -> Markup:
    """Vertical bars side by side per label (e.g. listed / visited / confirmed per township or week)."""
    n, k = len(labels), len(series)
    if not n or not k:
        return Markup("")
    w, h, left, bottom, top = 560, 220, 40, 56, 10
    hi = float(math.ceil(max([float(v) for s in series.values() for v in s] + [1.0]) * 1.1))  # counts: whole numbers
    slot = (w - left - 10) / n
    bar = max((slot - 6) / k, 1)
    body = _axis(w, h, left, bottom, top, hi)
    for i in range(n):
        for j, values in enumerate(series.values()):
            v = float(values[i])
            height = (h - top - bottom) * v / hi
            body.append(f'<rect x="{left + i * slot + 3 + j * bar:.1f}" y="{h - bottom - height:.1f}" '
                        f'width="{bar:.1f}" height="{height:.1f}" fill="{COLORS[j % len(COLORS)]}">'
                        f'<title>{escape(labels[i])} {escape(list(series)[j])}: {v:g}</title></rect>')
    body += _x_labels(labels, left, slot, h - bottom + 14) + _legend(series, left, h)
    return _svg(w, h, body, title)
