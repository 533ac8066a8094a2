"""A standalone HTML page for one analysis: Mapper graph, barcodes and the numbers."""
from __future__ import annotations

import html
import json
from pathlib import Path

from toponet import plots


def write_html_report(result, path, *, title: str = "toponet analysis") -> Path:
    """Write ``result`` (an :class:`toponet.analysis.AnalysisResult`) as one HTML page.

    The page embeds plotly.js once (so it opens offline) and holds the interactive
    Mapper graph (when computed), the barcodes and the JSON summary.
    """
    import plotly.io as pio

    figures = []
    if result.mapper is not None:
        figures.append(plots.mapper_figure(result.mapper, title=f"Mapper({result.config.resolution}, "
                                                                 f"{result.config.gain:g})"))
    figures.append(plots.barcode_figure(result.persistence, title="Barcodes (H0, H1)"))
    parts = [pio.to_html(fig, full_html=False, include_plotlyjs=(i == 0)) for i, fig in enumerate(figures)]
    summary = html.escape(json.dumps(result.summary(), indent=2))
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
            f"<body><h1>{html.escape(title)}</h1>{''.join(parts)}<h2>Summary</h2><pre>{summary}</pre>"
            "</body></html>")
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path
