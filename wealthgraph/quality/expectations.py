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
class Outcome:
    """The verdict of one suite: passed only if every expectation ran and held."""

    passed: bool
    evaluated: int
    failures: list[str] = field(default_factory=list)


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
    failures = []
    for result in report.results:
        if result.success:
            continue
        config = result.expectation_config
        column = config.kwargs.get("column") or config.kwargs.get("column_list") or ""
        raised = (result.exception_info or {}).get("raised_exception")
        if raised:
            detail = f"errored: {result.exception_info.get('exception_message')}"
        else:
            stats = result.result or {}
            sample = stats.get("partial_unexpected_list") or stats.get("observed_value")
            detail = f"{stats.get('unexpected_count', '?')} unexpected, e.g. {sample!r}"[:300]
        failures.append(f"{config.type}({column}): {detail}")
    evaluated = len(report.results)
    if evaluated != len(expectations):  # an expectation that did not run must not pass
        failures.append(f"only {evaluated} of {len(expectations)} expectations ran")
    return Outcome(passed=not failures, evaluated=evaluated, failures=failures)
