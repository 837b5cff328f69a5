"""Schemathesis against our own `/openapi.json`: requests that follow the documented schema, and requests that
break it on purpose, sent to every operation (admin ones with the admin token, so their code runs too) of the real
service on a real SQLite file. None may answer 5xx (but 502, Emby's failure as documented), and every
refusal is our JSON error with a message, never a traceback. Bounded: a few hundred requests."""

from __future__ import annotations

from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode
from tests.conftest import Service

EMBY_FAILURES = (502,)  # Emby's failures, as documented (our own storage must not fail here)
_OPERATIONS: dict[int, list[Any]] = {}


def _operations(service: Service) -> list[Any]:
    """The service's operations as schemathesis reads them from its own OpenAPI document (read once per app)."""
    key = id(service.app)
    if key not in _OPERATIONS:
        _OPERATIONS.clear()
        schema = schemathesis.openapi.from_dict(service.app.openapi())
        _OPERATIONS[key] = [result.ok() for result in schema.get_all_operations()]
    return _OPERATIONS[key]


async def _send(service: Service, case: Any) -> Any:
    kwargs = case.as_transport_kwargs(base_url="http://service")
    headers = {k: v for k, v in kwargs.pop("headers").items() if k.lower() not in ("connection", "host")}
    headers["Authorization"] = f"Bearer {service.state.admin_token}"
    params = dict(kwargs.pop("params", None) or {})
    if "webhook" in case.operation.path:  # the intake's code runs only behind its token
        params["token"] = service.state.webhook_token
    if isinstance(kwargs.get("data"), str | bytes):  # a raw body (httpx takes it as content)
        kwargs["content"] = kwargs.pop("data")
    try:
        return await service.http.request(
            kwargs.pop("method"),
            kwargs.pop("url"),
            headers=headers,
            params=params,
            cookies=kwargs.pop("cookies", None) or None,
            **{k: v for k, v in kwargs.items() if k in ("json", "data", "content", "files")},
        )
    except httpx.InvalidURL:  # more than an HTTP client will send (a query of over 64 KiB): not a request
        reject()


def _check(case: Any, answer: Any) -> None:
    where = f"{case.method} {case.formatted_path} {case.query!r}"
    assert answer.status_code < 500 or answer.status_code in EMBY_FAILURES, (where, answer.text[:300])
    assert "Traceback" not in answer.text, where
    if answer.status_code >= 400 and answer.headers.get("content-type", "").startswith("application/json"):
        assert {"error", "message"} <= set(answer.json()), (where, answer.text[:300])


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
async def test_documented_requests_never_break_the_service(service: Service, data: st.DataObject) -> None:
    operation = data.draw(st.sampled_from([op for op in _operations(service) if op.path != "/now/stream"]))
    case = data.draw(operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    _check(case, await _send(service, case))


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
async def test_requests_that_break_the_schema_are_refused_cleanly(service: Service, data: st.DataObject) -> None:
    # /health/emby asks Emby, /now/stream never ends: both covered elsewhere
    operations = [op for op in _operations(service) if op.path not in ("/health/emby", "/now/stream")]
    operation = data.draw(st.sampled_from(operations))
    case = data.draw(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    _check(case, await _send(service, case))
