"""Shared by the browser test modules: the screenshots folder holds this run's pictures only, emptied once per
session (each module starts its own `serve`, so a module's fixture emptying it would drop the modules before)."""

from __future__ import annotations

import shutil

import pytest
from tests.processes import ROOT

SCREENSHOTS = ROOT / "artifacts" / "screenshots"


@pytest.fixture(scope="session", autouse=True)
def _fresh_screenshots() -> None:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
