"""First-load benchmark: how long the dashboard takes to become usable in a real browser, on a data tier.

    ./scripts/bench-first-load [--tier L] [--seed 1] [--runs 3] [--out DIR]

The tier is built or taken from the cache (`benchmarks/tiers.py`) and copied; its library is served by a simulated
Emby in its own process (as in the statistics benchmark) and `emby-analytics serve` runs as a user starts it, the
web UI built into the package (scripts/build-web). Debian's chromium, driven by Playwright, opens `/` in a fresh
browser profile (nothing cached) at 1440 × 900 and records, from the start of the navigation:

- *first paint*: the first contentful paint;
- *ready*: the moment the page is usable: the six key figures show numbers, Now Playing shows its sessions (or
  that nothing plays), every statistics card has drawn (no card is loading, the usage chart has its bars), and no
  card shows an error;
- the requests the page made, the bytes it transferred and its long tasks (main-thread work over 50 ms).

Two situations, each with a newly started server: *cold*, the first browser after the start (the service's
answer cache empty, as after an upgrade), then *warm*, fresh browsers on the same server (what anyone opening the
dashboard later gets). The baseline is the same service with its answer cache off (`STATS_CACHE_MB=0`): every
answer computed again for every browser.

Prints a markdown table and writes `first-load.json` (`first-load-<tier>.json` beside tier M's). Target (issue 10):
the dashboard on tier L interactive in under 2 s on this machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from playwright.sync_api import Browser, sync_playwright

from benchmarks import tiers
from benchmarks.stats_bench import Server, environment, simulated_emby

ROOT = Path(__file__).parent.parent
RESULTS = Path(__file__).parent / "results"
CHROMIUM = Path("/usr/bin/chromium")
TARGET_MS = 2000.0
VIEWPORT = {"width": 1440, "height": 900}
KPIS = 6
# Long tasks are only reported to observers that exist before they happen: this runs before the page's scripts.
OBSERVE_LONG_TASKS = """
window.__longTasks = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); })
  .observe({ type: "longtask", buffered: true });
"""
# True once the dashboard is usable: key figures, live view and every card drawn, nothing loading, no error.
READY = f"""() => {{
  const values = [...document.querySelectorAll(".kpi-value")];
  if (values.length < {KPIS} || values.some((v) => v.querySelector(".skeleton"))) return false;
  if (!document.querySelector("#now-heading")) return false;
  if (!document.querySelector(".stat-grid") || document.querySelector(".state-loading, .state-error")) return false;
  if (!document.querySelector(".stat-grid .recharts-bar-rectangle")) return false;
  return performance.now();
}}"""
SUMMARY = """() => {
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  const resources = performance.getEntriesByType("resource");
  const nav = performance.getEntriesByType("navigation")[0];
  return {
    first_paint_ms: paint ? paint.startTime : null,
    requests: resources.length + 1,
    transferred_bytes: resources.reduce((n, r) => n + r.transferSize, nav ? nav.transferSize : 0),
    long_tasks: window.__longTasks.length,
    long_task_ms: window.__longTasks.reduce((n, d) => n + d, 0),
    errors: [...document.querySelectorAll(".state-error")].map((e) => e.textContent),
  };
}"""


def _chromium(playwright: Any) -> Browser:
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    browser: Browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
    return browser


def open_dashboard(browser: Browser, url: str, timeout_ms: float = 60_000) -> dict[str, Any]:
    """One first visit in a fresh profile: its timings, requests and bytes."""
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    try:
        page = context.new_page()
        page.add_init_script(OBSERVE_LONG_TASKS)
        page.goto(url + "/", wait_until="commit")
        ready = page.wait_for_function(READY, polling="raf", timeout=timeout_ms).json_value()
        visit: dict[str, Any] = page.evaluate(SUMMARY)
        visit["ready_ms"] = float(ready)
        return visit
    finally:
        context.close()


@contextmanager
def served(db: Path, emby: dict[str, Any], log: IO[str], **settings: str) -> Iterator[Server]:
    server = Server(db, emby, log, **settings)
    try:
        server.wait_listening()
        server.wait_settled(600)
        yield server
    finally:
        server.stop()


def _summary(visits: list[dict[str, Any]]) -> dict[str, Any]:
    ready = [v["ready_ms"] for v in visits]
    paint = [v["first_paint_ms"] for v in visits if v["first_paint_ms"] is not None]
    return {
        "visits": len(visits),
        "ready_ms_median": round(statistics.median(ready), 1),
        "ready_ms_max": round(max(ready), 1),
        "first_paint_ms_median": round(statistics.median(paint), 1) if paint else None,
        "requests": visits[-1]["requests"],
        "transferred_kb": round(visits[-1]["transferred_bytes"] / 1024, 1),
        "long_task_ms_median": round(statistics.median(v["long_task_ms"] for v in visits), 1),
        "errors": sorted({e for v in visits for e in v["errors"]}),
    }


def run_service(
    browser: Browser, db: Path, emby: dict[str, Any], log: IO[str], runs: int, **settings: str
) -> dict[str, Any]:
    """A newly started server: its first visit (cold), then `runs` fresh browsers (warm)."""
    with served(db, emby, log, **settings) as server:
        cold = open_dashboard(browser, server.url)
        warm = [open_dashboard(browser, server.url) for _ in range(runs)]
    return {"cold": _summary([cold]), "warm": _summary(warm)}


def results_name(tier: tiers.Tier) -> str:
    return "first-load.json" if tier.name == "M" else f"first-load-{tier.name}.json"


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    tiers.add_tier_arguments(parser, default_tier="L")
    parser.add_argument("--runs", type=int, default=3, help="warm visits per service (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON goes (default: %(default)s)")
    parser.add_argument("--no-write", action="store_true", help="do not write the JSON")
    parser.add_argument("--work-dir", type=Path, default=None, help="parent of the temporary database copy")
    args = parser.parse_args(argv)
    if not (ROOT / "src" / "emby_analytics" / "web" / "index.html").is_file():
        raise SystemExit("the web UI is not built: run scripts/build-web")
    if not CHROMIUM.is_file():
        raise SystemExit("Debian's chromium is missing: apt-get install chromium")
    end = args.end or tiers.default_end()
    built = tiers.ensure_tier(args.tier, args.seed, end, args.cache, log=lambda text: print(text, file=sys.stderr))
    with tempfile.TemporaryDirectory(prefix="first-load-", dir=args.work_dir) as tmp:
        db = Path(tmp) / "emby.db"
        with (
            open(Path(tmp) / "processes.log", "w+") as log,
            simulated_emby(args.tier, args.seed, end, log) as emby,
            sync_playwright() as playwright,
        ):
            browser = _chromium(playwright)
            shutil.copyfile(built.path, db)
            ours = run_service(browser, db, emby, log, args.runs)
            shutil.copyfile(built.path, db)
            naive = run_service(browser, db, emby, log, args.runs, STATS_CACHE_MB="0")
            browser.close()
    report = {
        "tier": {**built.meta, "tier": args.tier.name},
        "environment": environment(),
        "target_ms": TARGET_MS,
        "runs": [{"name": "ours: answer cache on", **ours}, {"name": "baseline: answer cache off", **naive}],
    }
    if not args.no_write:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / results_name(args.tier)).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(markdown(report))
    return report


def markdown(report: dict[str, Any]) -> str:
    tier, env = report["tier"], report["environment"]
    lines = [
        f"Tier {tier['tier']}: {tier['users']:,} users, {tier['items']:,} items, {tier['plays']:,} plays; "
        f"chromium at {VIEWPORT['width']}×{VIEWPORT['height']}, a fresh profile each visit; {env['cores']} cores",
        "",
        "| service | visit | ready (ms) median / max | first paint (ms) | requests | transferred (KB) "
        "| long tasks (ms) | errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in report["runs"]:
        for visit in ("cold", "warm"):
            row = run[visit]
            n = row["visits"]
            what = "first after start" if visit == "cold" else f"later ({n} fresh browser{'s' if n != 1 else ''})"
            lines.append(
                f"| {run['name']} | {what} | {row['ready_ms_median']:,.0f} / {row['ready_ms_max']:,.0f} | "
                f"{row['first_paint_ms_median'] or 0:,.0f} | {row['requests']} | {row['transferred_kb']:,.0f} | "
                f"{row['long_task_ms_median']:,.0f} | {len(row['errors'])} |"
            )
    ours, naive = report["runs"]
    worst = max(ours["cold"]["ready_ms_max"], ours["warm"]["ready_ms_max"])
    ratio = naive["warm"]["ready_ms_median"] / max(ours["warm"]["ready_ms_median"], 0.1)
    lines += [
        "",
        f"Target: ready in under {report['target_ms'] / 1000:.0f} s: "
        f"{'met' if worst < report['target_ms'] else 'NOT met'} (worst {worst:,.0f} ms). "
        f"Baseline / ours, later visits: ×{ratio:.1f}.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
