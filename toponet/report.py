"""A standalone HTML page for one analysis: Mapper graph, barcodes and the numbers."""
from __future__ import annotations

import html
import json
from pathlib import Path

from toponet import plots

__all__ = ["write_html_report", "network_table_rows", "write_network_report"]


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


_STYLE = ("body{font-family:system-ui,sans-serif;max-width:1000px;margin:1em auto;padding:0 1em;color:#222}"
          "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}"
          "th{background:#f3f3f3}.yes{background:#d9f2d9}.partly{background:#fff3c4}.no{background:#f8d7d7}"
          ".inconclusive,.not-tested{background:#eee}details{margin:.5em 0}code{font-size:12px}")


def _cell(value) -> str:
    return html.escape("" if value is None else str(value))


def network_table_rows(reports) -> list[dict]:
    """One display row per :class:`toponet.layerwise.LayerReport` (the report page's first table)."""
    rows = []
    for r in reports:
        row = r.row()
        nulls = row.get("nulls", {})
        rows.append({
            "layer": row["layer"], "circle": row["circle"],
            "filters used": f"{row['used']:,} of {row['filters']:,}" if row["used"] else f"{row['filters']:,}",
            "rho(k, p)": f"rho({row['k']}, {row['p']:g})" if row.get("k") else "",
            "core": row.get("core_points", ""),
            "top H1": f"{row['top_bars'][0]:.3f}" if row.get("top_bars") else "",
            "gaussian p": nulls.get("gaussian", {}).get("p", ""), "shuffled p": nulls.get("shuffled", {}).get("p", ""),
            "directions p": nulls.get("directions", {}).get("p", ""),
            "beyond 2nd order": row.get("beyond_second_order", ""),
            "power": "" if row.get("power") is None else f"{row['power']:.0%}",
            "false positives": "" if row.get("false_positive_rate") is None else f"{row['false_positive_rate']:.1%}",
            "kernel": "x".join(map(str, row["shape"])), "kind": row["kind"],
            "seconds (this run)": row.get("wall_s", ""),
        })
    return rows


def write_network_report(reports, path, *, title: str, intro: str = "") -> Path:
    """One offline HTML page for a network: the per-layer summary table first, then each
    tested layer's barcodes and Mapper graph (when computed) and its rule's reasons.

    ``reports``: :class:`toponet.layerwise.LayerReport` list; plotly.js is embedded once.
    """
    import plotly.io as pio

    rows = network_table_rows(reports)
    head = "".join(f"<th>{_cell(k)}</th>" for k in rows[0]) if rows else ""
    body = "".join("<tr>" + "".join(
        f"<td class='{_cell(v).replace(' ', '-')}'>{_cell(v)}</td>" if k == "circle" else f"<td>{_cell(v)}</td>"
        for k, v in row.items()) + "</tr>" for row in rows)
    sections, first = [], True
    for r in reports:
        if r.rule is None:
            continue
        parts = [f"<h2 id='{_cell(r.kernel.name)}'>{_cell(r.kernel.name)}: circle {_cell(r.circle)}</h2>",
                 f"<p>{_cell(r.summary_line())}</p>",
                 f"<p>Calibration: {_cell(r.calibration.describe())}</p>"]
        if r.analysis is not None:
            figs = [plots.barcode_figure(r.analysis.persistence, title=f"{r.kernel.name}: barcodes (H0, H1) of "
                                         f"rho({r.k}, {r.p:g}), {r.test.n_core:,} points")]
            if r.analysis.mapper is not None:
                figs.append(plots.mapper_figure(r.analysis.mapper, title=f"{r.kernel.name}: Mapper("
                                                f"{r.analysis.config.resolution}, {r.analysis.config.gain:g})"))
            for fig in figs:
                parts.append(pio.to_html(fig, full_html=False, include_plotlyjs=first))
                first = False
        parts.append("<details><summary>the rule's reasons</summary><ul>" +
                     "".join(f"<li>{_cell(x)}</li>" for x in r.rule.reasons) + "</ul></details>")
        sections.append("".join(parts))
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{_cell(title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{_cell(title)}</h1>{intro}"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{''.join(sections)}"
            "<h2>Every number</h2><details><summary>JSON rows</summary><pre>"
            f"{html.escape(json.dumps([r.row() for r in reports], indent=1))}</pre></details></body></html>")
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path
