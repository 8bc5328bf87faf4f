"""Trend charts: plain SVG the strict CSP allows inline, the same bytes for the same numbers."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from hikeshi.postmortems.charts import _ticks, column_chart

SVG = "{http://www.w3.org/2000/svg}"
WEEKS = [("W45", 2.0), ("W46", 0.0), ("W47", None), ("W48", 5.0)]


def test_one_column_per_week_with_its_label() -> None:
    svg = column_chart(WEEKS, title="Incidents per week")
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Incidents per week"
    assert root.get("viewBox") == "0 0 520 220"
    labels = [text.text for text in root.iter(f"{SVG}text")]
    assert labels[:4] == ["W45", "W46", "W47", "W48"]
    columns = [rect for rect in root.iter(f"{SVG}rect") if rect.get("fill") == "#c2410c"]
    heights = [float(rect.get("height", "0")) for rect in columns]
    assert len(columns) == 3  # None draws no column
    assert heights[2] > heights[0] > heights[1] == 0


def test_deterministic_and_without_script_or_style() -> None:
    first = column_chart(WEEKS, title="A <b>", description="W45: 2")
    assert first == column_chart(WEEKS, title="A <b>", description="W45: 2")
    assert "<script" not in first
    assert "style" not in first
    assert "<title>A &lt;b&gt;</title><desc>W45: 2</desc>" in first


def test_whole_ticks_for_counts_and_decimals_for_hours() -> None:
    assert _ticks(5, whole=True) == [0, 2, 4, 6]
    assert _ticks(1, whole=True) == [0, 1]
    assert _ticks(0, whole=True) == [0, 1]
    assert _ticks(12.25, whole=False) == [0, 5, 10, 15]
    assert _ticks(0.6, whole=False) == [0, 0.2, 0.4, 0.6]
    hours = column_chart([("W1", 0.5), ("W2", 1.25)], title="MTTR", whole=False)
    assert re.findall(r">([0-9.]+)</text>", hours)[-1] == "0"


def test_a_chart_with_nothing_measured_still_draws() -> None:
    svg = column_chart([("W47", None), ("W48", None)], title="MTTR", whole=False)
    assert svg.startswith('<svg class="chart"')
    assert "W48" in svg
