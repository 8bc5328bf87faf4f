"""Trend charts as SVG, drawn with leather: plain shapes with presentation attributes, no script and no
style, so a page under the strict Content-Security-Policy shows them inline; the same numbers always
give the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import leather
from markupsafe import escape

WIDTH: Final = 520
HEIGHT: Final = 220
COLOR: Final = "#c2410c"  # the stylesheet's accent
TICKS: Final = 4


def _ticks(top: float, *, whole: bool) -> list[float]:
    """0 and up to `TICKS` evenly spaced round ticks covering `top` (whole numbers for counts)."""
    if top <= 0:
        return [0, 1] if whole else [0.0, 1.0]
    raw = top / TICKS
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if whole:
        step = max(1, math.ceil(step))
    count = math.ceil(top / step)
    return [round(step * index, 6) for index in range(count + 1)]


def column_chart(
    points: Sequence[tuple[str, float | None]], *, title: str, whole: bool = True, description: str = ""
) -> str:
    """One column per label (`W48`…); None draws no column. `title` is the accessible name."""
    values = [value for _, value in points if value is not None]
    if not values:  # leather refuses a chart with nothing in it: draw every column at 0
        points = [(label, 0) for label, _ in points]
    ticks = _ticks(max(values, default=0), whole=whole)
    chart = leather.Chart()
    chart.add_y_scale(0, ticks[-1])
    chart.add_y_axis(ticks=ticks, tick_formatter=_formatter(whole))
    chart.add_columns([(label, value) for label, value in points], fill_color=COLOR)
    svg: str = chart.to_svg(width=WIDTH, height=HEIGHT)
    opening = f'<svg width="{WIDTH}" height="{HEIGHT}" version="1.1" xmlns="http://www.w3.org/2000/svg">'
    label = escape(title)
    replacement = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="{label}" version="1.1" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{label}</title>" + (f"<desc>{escape(description)}</desc>" if description else "")
    )
    return svg.replace(opening, replacement, 1)


def _formatter(whole: bool) -> object:
    def show(value: float, index: int, count: int) -> str:
        if whole:
            return str(int(value))
        return f"{value:g}"

    return show
