"""Run a list of Great Expectations expectations on a frame and say plainly what failed.

great_expectations takes seconds to import, so it is imported here, on first use, and never at
module import time of anything the pipeline loads.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class ExpectationResult:
    """What one expectation said: which it was, on which column(s), with which arguments, and
    whether it held. ``unexpected`` counts the values it refused in the frame it was given
    (for the ingest suites, a DuckDB reduction: refused distinct values or extremes, or the
    rows whose key is missing or repeated), ``examples`` shows a few of them (or the observed
    value), ``error`` says why it could not run."""

    expectation: str
    column: str
    kwargs: str
    success: bool
    unexpected: int | None = None
    unexpected_percent: float | None = None
    examples: str = ""
    error: str = ""

    def describe(self) -> str:
        """One line: ``expect_...(column): what went wrong`` (or ``held``)."""
        if self.error:
            detail = f"errored: {self.error}"
        elif self.success:
            detail = "held"
        else:
            count = "?" if self.unexpected is None else f"{self.unexpected:,}"
            detail = f"{count} unexpected, e.g. {self.examples}"
        return f"{self.expectation}({self.column}): {detail}"[:300]


@dataclass(frozen=True)
class Outcome:
    """The verdict of one suite: passed only if every expectation ran and held.

    ``failures`` says in one line each what failed; ``results`` holds every expectation's
    result, held or not, in the order the suite lists them."""

    passed: bool
    evaluated: int
    failures: list[str] = field(default_factory=list)
    results: list[ExpectationResult] = field(default_factory=list)

    @property
    def failed(self) -> list[ExpectationResult]:
        """The expectations that did not hold."""
        return [r for r in self.results if not r.success]


# arguments every expectation of a suite carries, or that name its column(s)
_NOT_ARGUMENTS = {"batch_id", "column", "column_list"}


def _summary(value: Any, limit: int = 60) -> str:
    """``value`` in at most about ``limit`` characters: a long list keeps its first items and
    says how many it has."""
    if isinstance(value, (list, tuple)):
        text = ", ".join(map(str, value))
        if len(text) > limit:
            text = text[:limit].rsplit(", ", 1)[0] + f", … ({len(value)} values)"
        return f"[{text}]"
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _error(exception_info: Any) -> str:
    """The message of an expectation's exception: GX reports it either directly or per metric."""
    infos = [exception_info or {}]
    infos += [v for v in infos[0].values() if isinstance(v, dict)]
    for info in infos:
        if info.get("raised_exception"):
            return str(info.get("exception_message") or "an exception")
    return ""


def _identity(config: Any) -> str:
    """An expectation's type and arguments, which its result repeats (GX gives it no id here)."""
    kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
    return f"{config.type}{sorted(kwargs.items())!r}"


def _result(result: Any) -> ExpectationResult:
    config = result.expectation_config
    kwargs = dict(config.kwargs)
    column = kwargs.get("column") or ", ".join(kwargs.get("column_list") or ())
    arguments = "; ".join(
        f"{k}={_summary(v)}"
        for k, v in sorted(kwargs.items())
        if k not in _NOT_ARGUMENTS and v is not None
    )
    stats = result.result or {}
    sample = stats.get("partial_unexpected_list")
    if not sample and "observed_value" in stats:
        sample = stats["observed_value"]
    count = stats.get("unexpected_count")
    percent = stats.get("unexpected_percent")
    return ExpectationResult(
        expectation=config.type,
        column=column,
        kwargs=arguments,
        success=bool(result.success),
        unexpected=None if count is None else int(count),
        unexpected_percent=None if percent is None else float(percent),
        examples="" if sample in (None, []) else _summary(sample, 120),
        error=_error(result.exception_info),
    )


@cache
def _batch_definition() -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("wealthgraph")
    return source.add_dataframe_asset("frame").add_batch_definition_whole_dataframe("whole")


def gx() -> Any:
    """The great_expectations module, imported on first use."""
    _batch_definition()
    import great_expectations

    return great_expectations


def validate(frame: pd.DataFrame, expectations: list[Any]) -> Outcome:
    """Validate ``frame`` against ``expectations``; an expectation that errors counts as failed.

    >>> import pandas as pd
    >>> E = gx().expectations
    >>> validate(pd.DataFrame({"x": [1, 1]}), [E.ExpectColumnValuesToBeUnique(column="x")]).passed
    False
    """
    great_expectations = gx()
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    # one suite, one pass: GX computes the metrics of all expectations together
    suite = great_expectations.ExpectationSuite(name="suite", expectations=list(expectations))
    report = batch.validate(suite)
    # GX reports in its own order: put the results back in the suite's
    order: dict[str, int] = {}
    for i, expectation in enumerate(suite.expectations):
        order.setdefault(_identity(expectation.configuration), i)
    ran = sorted(
        report.results, key=lambda r: order.get(_identity(r.expectation_config), len(order))
    )
    results = [_result(r) for r in ran]
    failures = [r.describe() for r in results if not r.success or r.error]
    evaluated = len(results)
    if evaluated != len(expectations):  # an expectation that did not run must not pass
        failures.append(f"only {evaluated} of {len(expectations)} expectations ran")
    return Outcome(passed=not failures, evaluated=evaluated, failures=failures, results=results)
