"""Probes of the reliability run (`benchmarks/reliability.py`) against a running service: Emby's faults injected at
the simulator, every route without credentials, hostile values in every GET parameter, secrets in what came out."""

from __future__ import annotations

import re
import time
import urllib.parse
from collections.abc import Sequence

from benchmarks.reliability_service import (
    ADMIN,
    SECRETS,
    Figures,
    Service,
    duplicated,
    get_json,
    lost,
    plays,
    request,
    wait,
)
from emby_analytics.simulator.server import Simulator

EMBY_FAULTS = ("slow", "5xx storm", "401 (key rotated)", "malformed JSON")
HOSTILE = (
    "' OR 1=1 --", "<script>alert(1)</script>", "\u202egnp.exe", "%00", "../../etc/passwd", "9" * 400, "-1",
    "1e309", "NaN", "9999-12-31", "\U0001f600" * 30, "a" * 5000,
)  # fmt: skip
# The one answer that carries a secret by design: the webhook URL the admin pastes into Emby.
BY_DESIGN = {"/admin/webhook/stats": "webhook token"}


# -- Emby's faults ---------------------------------------------------------------------------------------------


def _status(service: Service) -> str:
    return str(get_json(f"{service.base}/health")["status"])


def emby_fault(service: Service, sim: Simulator, fault: str, figures: Figures) -> None:
    """Inject one of Emby's faults for a while: the service answers meanwhile, recovers after, loses nothing."""
    before = plays(service.db)
    if fault == "slow":
        sim.latency.set(None, 3000)
    elif fault == "5xx storm":
        sim.faults.set_rate("error", 1.0, status=503)
    elif fault == "401 (key rotated)":
        sim.faults.set_rate("unauthorized", 1.0)
    else:
        sim.faults.set_rate("malformed", 1.0)
    survived = True
    try:
        for _ in range(10):
            started = time.perf_counter()
            service.alive()
            answered = request("GET", f"{service.base}/version", ADMIN, timeout=5)[0] == 200
            survived &= answered and time.perf_counter() - started < 2.0
            time.sleep(0.5)
        if fault != "slow":
            survived &= bool(wait(f"/health degraded ({fault})", lambda: _status(service) == "degraded", 20))
    finally:
        sim.latency.clear()
        sim.faults.clear()
    try:
        wait(f"/health ok after {fault}", lambda: _status(service) == "ok", 60, 0.5)
    except RuntimeError:
        survived = False
    after = plays(service.db)
    gone = lost(before, after)
    figures.plays_lost += len(gone)
    figures.plays_checked += len(before)
    figures.plays_duplicated += duplicated(after)
    figures.emby_faults[fault] = survived and not gone
    if not figures.emby_faults[fault]:
        figures.problems.append(f"Emby fault {fault}: not survived (lost {gone[:5]})")


# -- hostile input, access, secrets ----------------------------------------------------------------------------


def sweep(service: Service, figures: Figures, hostile: Sequence[str]) -> list[str]:
    """Every route without credentials; every GET route with hostile values; returns every response text."""
    spec = get_json(f"{service.base}/openapi.json")
    seen: list[str] = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            url = service.base + re.sub(r"\{[^}]+\}", "x", path)
            status, body = request(method.upper(), url, timeout=10)
            figures.routes_checked += 1
            if status not in (401, 403):
                figures.routes_without_auth += 1
                figures.problems.append(f"{method.upper()} {path} answered {status} without credentials")
            seen.append(body)
            if method != "get" or path in ("/health/emby", "/now/stream"):  # asks Emby; never ends
                continue
            names = [p["name"] for p in operation.get("parameters", [])]
            for value in hostile:
                quoted = urllib.parse.quote(value, safe="")
                for name in names or ["x"]:
                    target = service.base + re.sub(r"\{[^}]+\}", quoted, path)
                    if "{" + name + "}" not in path:
                        target += "?" + urllib.parse.urlencode({name: value})
                    status, body = request("GET", target, ADMIN, timeout=30)
                    figures.hostile_tried += 1
                    if status >= 500 and status not in (502, 503):
                        figures.hostile_5xx += 1
                        figures.problems.append(f"GET {path} {name}={value[:20]!r}: {status}")
                    if BY_DESIGN.get(path) is None:
                        seen.append(body)
    return seen


def secrets_in(texts: Sequence[str], figures: Figures) -> None:
    for text in texts:
        for name, secret in SECRETS.items():
            if secret in text:
                figures.secrets_found += 1
                figures.problems.append(f"the {name} in: {text[:120]!r}")
