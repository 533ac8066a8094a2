"""Open a built page in headless Chromium and check that its figures are really drawn.

Static checks of the HTML (:mod:`toponet.book.offline`) cannot see a blank figure: a page
that says ``Plotly.newPlot`` can still fail at run time ("require is not defined", a
library that never loaded). This module loads the page the way a reader's browser does,
through Chromium's DevTools protocol (tornado's websocket client, already a Jupyter
dependency), and reports

* plotly figures with their SVG drawn (``.js-plotly-plot`` containing ``svg.main-svg``
  and at least one trace), static figures (``<img>`` loaded, non-zero size), math
  typeset by MathJax (``mjx-container``) and math left as raw TeX;
* JavaScript exceptions, console errors and browser log errors (404s, CORS...);
* every request that left the book's own origin, and every failed request;

and saves a full-page PNG screenshot. The page is served from a local HTTP server on
127.0.0.1 (how a published book is read) or, with ``serve=False``, opened as a file.

It also reports what makes a page hard to read (:attr:`RenderReport.reading_problems`):
tables, figures and images wider than the content column (a reader would scroll sideways
or lose a column; a table scrolling inside the column under a visible "scroll sideways" hint
is fine), printed output whose lines run past its box (cut off under a sideways scroll), all
measured with every ``<details>`` unfolded, a visible ``PosixPath(...)`` (a Python repr leaking into prose), stderr
output boxes (warnings and progress bars), interactive Mapper figures whose filter thumbnails
overlap or whose colour bar is cut or has no ticks, and elements that must be in the first screen
(``first_screen=``: the verdict page's tally) but are not.
"""
from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import http.server
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

__all__ = ["RenderReport", "find_chromium", "render_page"]

#: Chromium flags: no sandbox (containers, root), no GPU (software WebGL), and nothing that phones home.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  # software WebGL (SwiftShader), so plotly's 3-D scenes draw without a GPU
                  "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                  "--disable-component-update", "--no-first-run", "--disable-sync",
                  "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
                  "--metrics-recording-only", "--no-default-browser-check", "--remote-debugging-port=0")

_DOM_STATS = """(() => {
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  const imgs = [...document.querySelectorAll('.cell_output img, article img')];
  const math = [...document.querySelectorAll('.math')];
  return JSON.stringify({
    plotly_plots: plots.length,
    // 2-D traces are SVG; 3-D scenes draw into a WebGL canvas (plotly puts a .no-webgl
    // notice there instead when the browser has no WebGL).
    plotly_drawn: plots.filter(p => (p.querySelector('svg.main-svg') && p.querySelector('svg.main-svg .trace'))
                                 || (p.querySelector('.gl-container canvas') && !p.querySelector('.no-webgl')))
                       .length,
    plotly_points: plots.reduce((n, p) => n + p.querySelectorAll('.point').length, 0),
    images: imgs.length,
    images_loaded: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
    math: math.length,
    math_typeset: math.filter(m => m.querySelector('mjx-container') || m.tagName === 'MJX-CONTAINER').length,
    mjx_containers: document.querySelectorAll('mjx-container').length,
    title: document.title,
  });
})()"""

#: Layout and content checks, run in the first screen (before the full-page resize).
#: The content column is the article's content box; margin notes and sidebars are skipped.
_READING = r"""((firstScreen) => {
  const article = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  const cs = getComputedStyle(article), box = article.getBoundingClientRect();
  const left = box.left + parseFloat(cs.paddingLeft), right = box.right - parseFloat(cs.paddingRight);
  const heading = el => {
    let found = '';
    for (const h of article.querySelectorAll('h1, h2, h3')) {
      if (h.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) found = h.textContent;
    }
    return found.replace(/[#\u00b6]/g, '').trim().slice(0, 60);
  };
  // what a reader can unfold is measured unfolded: the details of a verdict table, a collapsed block
  const closed = [...article.querySelectorAll('details:not([open])')];
  closed.forEach(d => { d.open = true; });
  const checked = [...article.querySelectorAll('table, img, figure, .js-plotly-plot')]
    .filter(el => !el.closest('.margin, aside, .sidebar'))
    .filter(el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; });
  const wide = [];
  // printed output (a cell's stdout, a printed verdict block): its text must wrap inside its box,
  // not run on under a sideways scroll that hides the end of its lines
  for (const pre of article.querySelectorAll('.cell_output pre, pre.verdict-reasons, pre.toponet-printed')) {
    if (pre.closest('.margin, aside, .sidebar')) continue;
    const r = pre.getBoundingClientRect();
    if (!(r.width > 0 && r.height > 0)) continue;
    if (pre.scrollWidth > pre.clientWidth + 2 || r.left < left - 2 || r.right > right + 2) {
      const line = pre.innerText.split('\n').reduce((a, b) => (b.length > a.length ? b : a), '');
      wide.push(`printed output ${Math.round(Math.max(r.width, pre.scrollWidth))} px wide in a ` +
                `${Math.round(right - left)} px column (under "${heading(pre)}"): ${line.trim().slice(0, 60)}`);
    }
  }
  for (const el of checked) {
    // an element inside another checked one (an image in a figure) is reported once
    if (checked.some(o => o !== el && o.contains(el))) continue;
    // a table that scrolls inside the column with a visible hint (toponet.book.show_table) fits
    const scroller = el.tagName === 'TABLE' && el.closest('.toponet-table-scroll');
    if (scroller) {
      const s = scroller.getBoundingClientRect();
      const hinted = scroller.parentElement.querySelector('.scroll-hint') || el.scrollWidth <= s.width + 2;
      if (s.left >= left - 2 && s.right <= right + 2 && hinted) continue;
    }
    const r = el.getBoundingClientRect();
    const width = Math.max(r.width, el.scrollWidth);
    if (r.left < left - 2 || r.left + width > right + 2) {
      const name = el.classList.contains('js-plotly-plot') ? 'plotly figure' : el.tagName.toLowerCase();
      wide.push(`${name} ${Math.round(width)} px wide in a ${Math.round(right - left)} px column ` +
                `(under "${heading(el)}")`);
    }
  }
  const text = article.innerText;
  const posix = [...text.matchAll(/.{0,40}PosixPath\(.{0,40}/g)].map(m => m[0].replace(/\s+/g, ' '));
  const stderr = [...article.querySelectorAll('.output.stderr')].map(el =>
    `under "${heading(el)}": ${el.innerText.trim().split('\n')[0].slice(0, 80)}`);
  // interactive Mapper figures (toponet.plots.mapper_figure): filter thumbnails must not overlap,
  // and the colour bar's title and ticks must be drawn inside the figure
  const mapper = [];
  for (const gd of article.querySelectorAll('.js-plotly-plot')) {
    const data = gd.data || [];
    // what a reader sees of the figure: its box, cut by every scrolling or clipping box around it
    const seen = gd.getBoundingClientRect();
    const box = {left: seen.left, right: seen.right, top: seen.top, bottom: seen.bottom};
    for (let el = gd.parentElement; el && el !== document.body; el = el.parentElement) {
      const st = getComputedStyle(el);
      if (st.overflowX !== 'visible' || st.overflowY !== 'visible') {
        const r = el.getBoundingClientRect();
        box.left = Math.max(box.left, r.left); box.right = Math.min(box.right, r.right);
        box.top = Math.max(box.top, r.top); box.bottom = Math.min(box.bottom, r.bottom);
      }
    }
    const name = `plotly figure under "${heading(gd)}"`;
    const idx = data.findIndex(t => t && t.name === 'thumbnail frames');
    if (idx >= 0) {
      const trace = gd.querySelectorAll('.scatterlayer .trace')[idx];
      const rects = trace ? [...trace.querySelectorAll('path.point')].map(p => p.getBoundingClientRect()) : [];
      let pairs = 0;
      for (let i = 0; i < rects.length; i++) for (let j = i + 1; j < rects.length; j++) {
        const a = rects[i], b = rects[j];
        if (Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
            Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1) pairs++;
      }
      if (pairs) mapper.push(`${name}: ${pairs} pair(s) of the ${rects.length} filter thumbnails overlap`);
    }
    for (const bar of gd.querySelectorAll('.colorbar')) {
      const texts = [...bar.querySelectorAll('text')].filter(t => t.textContent.trim());
      const out = texts.filter(t => { const r = t.getBoundingClientRect();
        return r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1); });
      if (out.length) mapper.push(`${name}: colour bar text cut at the figure's edge: ` +
                                  out.map(t => `"${t.textContent.trim()}"`).join(', '));
      if (bar.querySelectorAll('.cbaxis text').length < 2) mapper.push(`${name}: colour bar without tick labels`);
      if (!bar.querySelector('.cbtitle text')) mapper.push(`${name}: colour bar without a title`);
    }
  }
  closed.forEach(d => { d.open = false; });
  const missing = firstScreen.filter(sel => {
    const el = document.querySelector(sel);
    if (!el) return true;
    const r = el.getBoundingClientRect();
    return !(r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight);
  });
  return JSON.stringify({column: right - left, wide, posix, stderr, missing, mapper});
})"""

_SETTLE = """(async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return true;
})()"""


@dataclass(frozen=True)
class RenderReport:
    """What a page looked like in Chromium.

    Attributes
    ----------
    url : str
    screenshot : Path, full-page PNG
    plotly_plots, plotly_drawn : int, figures on the page and those with a drawn SVG trace
    plotly_points : int, drawn scatter points over all figures
    images, images_loaded : int, ``<img>`` in the article and those loaded with a size
    math, math_typeset : int, ``.math`` elements and those MathJax typeset
    exceptions, console_errors, log_errors : tuple of str
    external_requests : tuple of str, URLs outside the page's own origin
    failed_requests : tuple of str, URLs that did not load (with the reason)
    column_width : float, CSS pixels of the article's content column
    wide_elements : tuple of str, tables, figures, images, plotly figures and printed outputs
        wider than the column (or sticking out of it, or, for printed output, running past its
        own box), each with its width and the heading above it; measured with every
        ``<details>`` unfolded
    posix_paths : tuple of str, visible text around each "PosixPath("
    stderr_outputs : tuple of str, each stderr output box: the heading above it, its first line
    not_in_first_screen : tuple of str, selectors of ``first_screen`` that were missing or not
        entirely inside the first screen
    mapper_problems : tuple of str, interactive Mapper figures whose filter thumbnails overlap
        (the trace "thumbnail frames" of :func:`toponet.plots.mapper_figure`), or whose colour bar
        has its title or tick labels cut at the figure's edge, no tick labels or no title
    first_screen_shot : Path or None, PNG of the first screen (viewport only), when asked for
    """

    url: str
    screenshot: Path
    plotly_plots: int
    plotly_drawn: int
    plotly_points: int
    images: int
    images_loaded: int
    math: int
    math_typeset: int
    exceptions: tuple[str, ...]
    console_errors: tuple[str, ...]
    log_errors: tuple[str, ...]
    external_requests: tuple[str, ...]
    failed_requests: tuple[str, ...]
    column_width: float = 0.0
    wide_elements: tuple[str, ...] = ()
    posix_paths: tuple[str, ...] = ()
    stderr_outputs: tuple[str, ...] = ()
    not_in_first_screen: tuple[str, ...] = ()
    first_screen_shot: Path | None = None
    mapper_problems: tuple[str, ...] = ()

    @property
    def reading_problems(self) -> list[str]:
        """What makes the page hard to read, in words; empty when none."""
        out = [f"wider than the content column: {w}" for w in self.wide_elements]
        out += [f"visible PosixPath: ...{p}..." for p in self.posix_paths]
        out += [f"stderr output box {e}" for e in self.stderr_outputs]
        out += [f"not in the first screen: {sel}" for sel in self.not_in_first_screen]
        out += [f"illegible Mapper figure: {m}" for m in self.mapper_problems]
        return out

    @property
    def problems(self) -> list[str]:
        """Everything wrong with the page, in words; empty when it rendered fully offline."""
        out = [f"JavaScript exception: {e}" for e in self.exceptions]
        out += [f"console error: {e}" for e in self.console_errors]
        out += [f"browser log error: {e}" for e in self.log_errors]
        out += [f"request to another origin: {u}" for u in self.external_requests]
        out += [f"failed request: {u}" for u in self.failed_requests]
        if self.plotly_drawn < self.plotly_plots:
            out.append(f"{self.plotly_plots - self.plotly_drawn} of {self.plotly_plots} plotly figures not drawn")
        if self.images_loaded < self.images:
            out.append(f"{self.images - self.images_loaded} of {self.images} images not loaded")
        if self.math_typeset < self.math:
            out.append(f"{self.math - self.math_typeset} of {self.math} math elements left as raw TeX")
        return out


def find_chromium() -> str | None:
    """``$CHROMIUM`` or the first of chromium / chromium-browser / google-chrome on PATH."""
    env = os.environ.get("CHROMIUM")
    if env:
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


@contextlib.contextmanager
def serve_directory(directory: str | os.PathLike) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the report lists failures; no per-request noise
        pass


class _DevTools:
    """A minimal DevTools client: one websocket, commands answered in order, events kept."""

    def __init__(self, conn):
        self.conn, self.next_id, self.events = conn, 0, []

    async def _read(self, timeout: float) -> dict:
        msg = await asyncio.wait_for(self.conn.read_message(), timeout)
        if msg is None:
            raise RuntimeError("Chromium closed the DevTools connection")
        return json.loads(msg)

    async def send(self, method: str, params: dict | None = None, session: str | None = None,
                   timeout: float = 60.0) -> dict:
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        await self.conn.write_message(json.dumps(msg))
        deadline = time.monotonic() + timeout
        while True:
            reply = await self._read(max(0.1, deadline - time.monotonic()))
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"DevTools {method} failed: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    async def wait_event(self, method: str, timeout: float) -> dict:
        for event in self.events:
            if event.get("method") == method:
                return event
        deadline = time.monotonic() + timeout
        while True:
            event = await self._read(max(0.1, deadline - time.monotonic()))
            self.events.append(event)
            if event.get("method") == method:
                return event

    async def drain(self, seconds: float) -> None:
        """Collect events for ``seconds`` (late errors, late requests)."""
        deadline = time.monotonic() + seconds
        with contextlib.suppress(asyncio.TimeoutError):
            while time.monotonic() < deadline:
                self.events.append(await self._read(max(0.05, deadline - time.monotonic())))


def _launch(chromium: str, profile_dir: Path, width: int, height: int) -> tuple[subprocess.Popen, str]:
    # stderr to a file: a pipe nobody reads would fill up and stall the browser.
    log_path = profile_dir / "chromium-stderr.log"
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}",
                                 f"--window-size={width},{height}", "about:blank"],
                                stdout=subprocess.DEVNULL, stderr=log_file,
                                start_new_session=True)  # its own process group: see _stop
    port_file = profile_dir / "DevToolsActivePort"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if port_file.exists():
            lines = port_file.read_text().split()
            if len(lines) >= 2:
                return proc, f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        if proc.poll() is not None:
            raise RuntimeError(f"Chromium exited ({proc.returncode}): "
                               f"{log_path.read_text(errors='replace')[-2000:]}")
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("Chromium did not open its DevTools port within 30 s")


async def _inspect(ws_url: str, url: str, origin: str, screenshot: Path, width: int, height: int,
                   timeout: float, settle: float, first_screen: tuple[str, ...] = (),
                   first_screen_shot: Path | None = None) -> RenderReport:
    from tornado.websocket import websocket_connect

    conn = await websocket_connect(ws_url, max_message_size=1 << 30)
    dt = _DevTools(conn)
    try:
        target = (await dt.send("Target.createTarget", {"url": "about:blank"}))["targetId"]
        session = (await dt.send("Target.attachToTarget", {"targetId": target, "flatten": True}))["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            await dt.send(f"{domain}.enable", session=session)
        await dt.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                      "deviceScaleFactor": 1, "mobile": False}, session=session)
        await dt.send("Page.navigate", {"url": url}, session=session)
        await dt.wait_event("Page.loadEventFired", timeout)
        await dt.send("Runtime.evaluate", {"expression": _SETTLE, "awaitPromise": True}, session=session,
                      timeout=timeout)
        await dt.drain(settle)
        stats = json.loads((await dt.send("Runtime.evaluate", {"expression": _DOM_STATS, "returnByValue": True},
                                          session=session))["result"]["value"])
        reading = json.loads((await dt.send("Runtime.evaluate", {
            "expression": f"{_READING}({json.dumps(list(first_screen))})", "returnByValue": True},
            session=session))["result"]["value"])
        first = None
        if first_screen_shot is not None:
            first = await dt.send("Page.captureScreenshot", {"format": "png"}, session=session, timeout=timeout)
        # Full page: grow the viewport to the document's height and lay out again. (With
        # captureBeyondViewport alone, the book theme's sticky sidebars shift the page.)
        metrics = await dt.send("Page.getLayoutMetrics", session=session)
        full_height = int(min((metrics.get("cssContentSize") or metrics["contentSize"])["height"], 30000))
        await dt.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": max(full_height, height),
                      "deviceScaleFactor": 1, "mobile": False}, session=session)
        await dt.send("Runtime.evaluate", {"expression": _SETTLE, "awaitPromise": True}, session=session,
                      timeout=timeout)
        shot = await dt.send("Page.captureScreenshot", {"format": "png"}, session=session, timeout=timeout)
    finally:
        conn.close()
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    if first is not None:
        first_screen_shot.parent.mkdir(parents=True, exist_ok=True)
        first_screen_shot.write_bytes(base64.b64decode(first["data"]))

    exceptions, console, log_errors, requests, failed = [], [], [], {}, []
    for ev in dt.events:
        method, params = ev.get("method"), ev.get("params", {})
        if method == "Runtime.exceptionThrown":
            d = params["exceptionDetails"]
            exceptions.append(d.get("exception", {}).get("description") or d.get("text", "?"))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            console.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            log_errors.append(f"{params['entry'].get('text')} ({params['entry'].get('url', '')})")
        elif method == "Network.requestWillBeSent":
            requests[params["requestId"]] = params["request"]["url"]
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            failed.append(f"{requests.get(params['requestId'], '?')}: {params.get('errorText')}")
    local = (origin, "data:", "blob:", "about:")
    external = sorted({u for u in requests.values() if not u.startswith(local)})
    return RenderReport(url=url, screenshot=screenshot, plotly_plots=stats["plotly_plots"],
                        plotly_drawn=stats["plotly_drawn"], plotly_points=stats["plotly_points"],
                        images=stats["images"], images_loaded=stats["images_loaded"], math=stats["math"],
                        math_typeset=stats["math_typeset"], exceptions=tuple(exceptions),
                        console_errors=tuple(console), log_errors=tuple(log_errors),
                        external_requests=tuple(external), failed_requests=tuple(failed),
                        column_width=float(reading["column"]), wide_elements=tuple(reading["wide"]),
                        posix_paths=tuple(reading["posix"]), stderr_outputs=tuple(reading["stderr"]),
                        not_in_first_screen=tuple(reading["missing"]), mapper_problems=tuple(reading["mapper"]),
                        first_screen_shot=first_screen_shot if first is not None else None)


def render_page(html_dir: str | os.PathLike, page: str, screenshot: str | os.PathLike, *,
                serve: bool = True, width: int = 1280, height: int = 900, timeout: float = 60.0,
                settle: float = 2.0, chromium: str | None = None, first_screen: tuple[str, ...] = (),
                first_screen_shot: str | os.PathLike | None = None) -> RenderReport:
    """Load ``page`` (a path relative to the built ``html_dir``) in headless Chromium.

    Parameters
    ----------
    html_dir : path, the built book (``_build/html``)
    page : str, e.g. "book/chapters/00_ideal_filters.html"
    screenshot : path, where the full-page PNG goes
    serve : bool
        Serve ``html_dir`` over HTTP on 127.0.0.1 (True) or open the file directly.
    width, height : int, viewport in CSS pixels
    timeout : float, seconds for the page to load and typeset
    settle : float, seconds to keep listening for late errors and requests
    chromium : str, optional, the browser executable (default :func:`find_chromium`)
    first_screen : tuple of str
        CSS selectors of elements that must lie entirely inside the first screen (the
        viewport ``width`` x ``height`` before any scrolling); see ``not_in_first_screen``.
    first_screen_shot : path, optional
        Also save a PNG of just the first screen there.

    Raises ``FileNotFoundError`` when the page or Chromium is missing.
    """
    html_dir = Path(html_dir).resolve()
    if not (html_dir / page).is_file():
        raise FileNotFoundError(f"{html_dir / page}: no such page (build the book first)")
    chromium = chromium or find_chromium()
    if not chromium:
        raise FileNotFoundError("no Chromium found: apt-get install chromium, or set $CHROMIUM")
    with contextlib.ExitStack() as stack:
        if serve:
            base = stack.enter_context(serve_directory(html_dir))
            url, origin = base + page, base
        else:
            url, origin = (html_dir / page).as_uri(), html_dir.as_uri()
        profile_dir = Path(stack.enter_context(
            tempfile.TemporaryDirectory(prefix="chromium-", ignore_cleanup_errors=True)))
        proc, ws_url = _launch(chromium, profile_dir, width, height)
        try:
            return asyncio.run(_inspect(ws_url, url, origin, Path(screenshot), width, height, timeout, settle,
                                        tuple(first_screen),
                                        Path(first_screen_shot) if first_screen_shot is not None else None))
        finally:
            _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """End the browser and the helper processes it started (its own process group)."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(wait)
            break
        except subprocess.TimeoutExpired:
            continue
    time.sleep(0.2)  # let the group's helpers exit before the profile folder is removed
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
