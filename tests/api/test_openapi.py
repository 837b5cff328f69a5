"""`/openapi.json` documents every route: a summary, a description and what a success returns."""

from __future__ import annotations

import json

import pytest
from tests.conftest import Service

from emby_analytics.cli import main


async def test_every_route_is_documented(service: Service) -> None:
    spec = (await service.http.get("/openapi.json")).json()
    operations = [(method, path, op) for path, ops in spec["paths"].items() for method, op in ops.items()]
    assert len(operations) >= 10
    for method, path, op in operations:
        where = f"{method.upper()} {path}"
        assert op.get("summary") and op.get("description"), f"{where}: summary and description"
        if "204" in op["responses"]:  # done, nothing to return (a remote control)
            continue
        # 201: made (a backup), 202: started in the background
        success = next(op["responses"][code] for code in ("200", "201", "202") if code in op["responses"])
        assert success.get("content"), f"{where}: what a success returns"
        assert all(media.get("schema") for media in success["content"].values()), f"{where}: its schema"


async def test_the_openapi_command_prints_what_the_service_serves(
    service: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    """`emby-analytics openapi`, which the web UI's types are generated from, needs no Emby and no database."""
    assert main(["--env-file", "/dev/null", "openapi"]) == 0
    assert json.loads(capsys.readouterr().out) == (await service.http.get("/openapi.json")).json()
