"""A pytest plugin: a skip must say why, so nothing is skipped silently (the suite also runs with -ra).

A skip whose reason is empty, one word or one of pytest's defaults is reported as a failure instead, with a
message asking for the reason: what is missing and how to get it.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest

# What pytest says when the test did not: pytest.skip(), @pytest.mark.skip, "Skipped" in a fixture.
DEFAULT_REASONS = frozenset({"", "unconditional skip", "skipped", "skip", "todo", "n/a"})


def skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr or "")
    return text.removeprefix("Skipped:").strip()


def unactionable(reason: str) -> bool:
    """True for reasons that do not tell the reader what to do: empty, pytest's defaults, a single word."""
    return reason.strip().lower().rstrip(".") in DEFAULT_REASONS or len(reason.split()) < 2


def _refuse(report: pytest.TestReport | pytest.CollectReport) -> None:
    reason = skip_reason(report)
    if report.skipped and not hasattr(report, "wasxfail") and unactionable(reason):
        report.outcome = "failed"
        report.longrepr = (
            f"skipped without an actionable reason ({reason!r}): "
            "pass a reason that says what is missing and how to provide it"
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    _refuse(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    report = yield
    _refuse(report)
    return report
