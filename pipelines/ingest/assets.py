"""raw.<source>, staging.<source> and core.<source>: one asset per table for every landing source.

The three tables of a source are made by one computation (a multi-asset): each batch of days
is read once and written to the three layers in one transaction (wealthgraph.ingest). These
assets loop over the run's days, record per-file row counts as metadata and attach the Great
Expectations suites as asset checks.
"""

import datetime as dt
import warnings
from pathlib import Path

import dagster as dg

from pipelines.lineage import table_keys
from pipelines.metadata import check_specs, preview_metadata, table_metadata
from pipelines.partitions import run_as_of
from pipelines.resources import LandingFolder, Warehouse
from wealthgraph import ingest, landing
from wealthgraph.ingest import rules, unchanged
from wealthgraph.ingest.files import SurveyedFile, day_plan, default_as_of, survey_reference
from wealthgraph.landing import Source
from wealthgraph.quality.expectations import Outcome
from wealthgraph.quality.suites import CHECKS
from wealthgraph.sql import parse_sql

# single-run backfills (BackfillPolicy) are beta; they are what lets one run ingest many days
warnings.filterwarnings("ignore", category=dg.BetaWarning)


def _batches(
    context: dg.AssetExecutionContext, source: Source, landing_root: Path
) -> tuple[list[list[dt.date] | None], list[SurveyedFile]]:
    """The run's days to write, in batches of bounded size (one None batch for a reference
    source), and the files of the run left alone, each with its reason.

    A day is written when its file is to be ingested or the day is declared empty; a day
    whose file is refused, held back or absent keeps the rows it has.
    """
    if not source.daily:
        [surveyed] = [f for f in survey_reference(landing_root) if f.source == source.name]
        return ([None], []) if surveyed.status == "ingest" else ([], [surveyed])
    as_of = run_as_of(context) or default_as_of(landing_root) or dt.date.min
    days = [dt.date.fromisoformat(key) for key in context.partition_keys]
    ingest_days, empty_days, left = day_plan(landing_root, source, days, as_of)
    batches: list[list[dt.date] | None] = list(ingest.batches(landing_root, source, ingest_days))
    if empty_days:
        batches.append(empty_days)
    return batches, left


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def expectations_table(outcome: Outcome) -> dg.MetadataValue:
    """Every expectation of a suite with its result, as a Markdown table for the Dagster UI."""
    lines = [
        "| expectation | column | arguments | result | unexpected | e.g. |",
        "|---|---|---|---|---|---|",
    ]
    for r in outcome.results:
        unexpected = "" if r.unexpected is None else f"{r.unexpected:,}"
        lines.append(
            "| "
            + " | ".join(
                _cell(c)
                for c in (
                    r.expectation.removeprefix("expect_"),
                    r.column,
                    r.kwargs,
                    "held" if r.success else "**failed**",
                    unexpected,
                    f"errored: {r.error}" if r.error else r.examples,
                )
            )
            + " |"
        )
    return dg.MetadataValue.md(
        "\n".join(lines) + "\n\n_unexpected_: what the expectation refused in the DuckDB "
        "reduction it judged (rows whose key is missing or repeated, a column's distinct values, "
        "or its minimum and maximum), not a count of table rows."
    )


def expectations_check(
    layer: str, con, source: Source, batches: list[list[dt.date] | None], blocking: bool
) -> dg.AssetCheckResult:
    """``<layer>_expectations`` of ``<layer>.<source>``: its Great Expectations suite over the
    run's days, every expectation listed with its result, the failing ones in the description."""
    days = [d for batch in batches if batch for d in batch]
    outcome = CHECKS[layer](con, source, days)
    if outcome.passed:
        description = f"all {outcome.evaluated} expectations held"
    else:
        failed = f"{len(outcome.failed)} of {outcome.evaluated} expectations failed"
        description = "\n".join([f"{failed}:", *(f"- {f}" for f in outcome.failures)])
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey([layer, source.name]),
        check_name=f"{layer}_expectations",
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
        description=description,
        metadata={
            "expectations_evaluated": outcome.evaluated,
            "expectations_failed": len(outcome.failed),
            "expectations": expectations_table(outcome),
        },
    )


def _partitioning(source: Source, partitions: dg.PartitionsDefinition) -> dict:
    if not source.daily:
        return {}
    return {"partitions_def": partitions, "backfill_policy": dg.BackfillPolicy.single_run()}


def _files_table(files: list[ingest.FileCounts]) -> dg.MetadataValue:
    return dg.MetadataValue.md(
        "| file | in | accepted | quarantined |\n|---|---|---|---|\n"
        + "\n".join(
            f"| {f.file_name} | {f.rows_in} | {f.rows_accepted} | {f.rows_quarantined} |"
            for f in files
        )
    )


def staging_reads(source: Source) -> list[str]:
    """The tables ``staging.<source>``'s rules read, but its own core table."""
    reads = parse_sql(rules.staging_sql(source), f"staging.{source.name}").reads
    return sorted(reads - {f"core.{source.name}"})


def source_assets(source: Source, partitions: dg.PartitionsDefinition) -> list:
    """The raw, staging and core assets of one landing source, made by one computation."""
    name = source.name
    keys = {layer: dg.AssetKey([layer, name]) for layer in ("raw", "staging", "core")}
    daily = "s, one per day" if source.daily else ""
    specs = [
        dg.AssetSpec(
            keys["raw"],
            group_name="ingest",
            deps=[dg.AssetKey(["quality", "landing_files"])],
        ),
        dg.AssetSpec(
            keys["staging"],
            group_name="ingest",
            # what its rules read, by parsing them; its own core table (read to drop ids
            # already ingested) would be a cycle
            deps=[keys["raw"], *table_keys(*staging_reads(source))],
        ),
        dg.AssetSpec(
            keys["core"],
            group_name="ingest",
            deps=[keys["staging"]],
        ),
    ]

    @dg.multi_asset(
        name=f"ingest_{name}",
        description=f"Read the {name} landing file{daily} once and write raw, staging and "
        "core in one transaction per batch of days.",
        specs=specs,
        # the raw layer only numbers lines: a miscount there warns, the layers built on it stop
        check_specs=[
            *check_specs(f"raw.{name}", blocking=False),
            *check_specs(f"staging.{name}"),
            *check_specs(f"core.{name}"),
        ],
        **_partitioning(source, partitions),
    )
    def source_layers(
        context: dg.AssetExecutionContext, warehouse: Warehouse, landing_folder: LandingFolder
    ):
        batches, left = _batches(context, source, landing_folder.root)
        for surveyed in left:
            context.log.warning(f"not ingested: {surveyed.message}")
        files: list[ingest.FileCounts] = []
        with warehouse.get_connection() as con:
            key = None
            if not source.daily and batches:
                key = unchanged.reference_key(landing_folder.root, source)
                if key is not None and key == unchanged.stored_key(con, source):
                    context.log.info(f"{name}: unchanged since its last ingest, rows kept")
                    batches = []
            for landed in ingest.ingest_batches(con, source, landing_folder.root, batches):
                counts = ingest.file_counts(con, source, landed.days)
                files += counts
                span = f" {landed.days[0]}..{landed.days[-1]}" if landed.days else ""
                context.log.info(
                    f"{name}{span}: {len(counts)} file(s), {landed.lines:,} lines, "
                    f"{sum(c.rows_quarantined for c in counts):,} quarantined"
                )
            if not source.daily and batches:
                unchanged.store_key(con, source, key)
            checks = [
                expectations_check("raw", con, source, batches, False),
                expectations_check("staging", con, source, batches, True),
                expectations_check("core", con, source, batches, True),
            ]
            days = [d for b in batches if b for d in b]
            where = "partition_date between ? and ?" if source.daily and days else "true"
            params = [min(days), max(days)] if source.daily and days else []
            reasons = con.execute(
                f"""
                select regexp_extract(reject_reason, '^[^:]*') as reason, count(*) as n
                from staging.{name} where reject_reason is not null and {where}
                group by all order by n desc
                """,
                params,
            ).fetchall()
            personal = [f for f in landing.PERSONAL_FIELDS if f in source.fields]
            hidden = f" exclude ({', '.join(personal)})" if personal else ""
            preview = con.execute(f"select *{hidden} from core.{name} limit 5").pl()
            tables = {layer: table_metadata(con, f"{layer}.{name}") for layer in keys}
        run_days = sum(len(b) for b in batches if b)
        if source.daily and len(files) < run_days:
            # normal: history days carry snapshots only, and not every source lands every day
            context.log.info(f"{name}: {run_days - len(files)} day(s) of the run had no file")
        unbalanced = [f.file_name for f in files if not f.balanced]
        rows_in = sum(f.rows_in for f in files)
        quarantined = sum(f.rows_quarantined for f in files)
        yield dg.MaterializeResult(
            asset_key=keys["raw"],
            metadata={**tables["raw"], "rows_in": rows_in, "files": len(files)},
        )
        yield dg.MaterializeResult(
            asset_key=keys["staging"],
            metadata={
                **tables["staging"],
                "rows_quarantined": quarantined,
                "reasons": dg.MetadataValue.md(
                    "\n".join(f"- {r}: {n:,}" for r, n in reasons) or "none"
                ),
            },
        )
        yield dg.MaterializeResult(
            asset_key=keys["core"],
            metadata={
                **tables["core"],
                "rows_in": rows_in,
                "rows_accepted": sum(f.rows_accepted for f in files),
                "rows_quarantined": quarantined,
                "files": _files_table(files),
                "preview": preview_metadata(preview),
            },
        )
        yield from checks
        yield dg.AssetCheckResult(
            asset_key=keys["core"],
            check_name="rows_balanced",
            passed=not unbalanced,
            metadata={"unbalanced_files": ", ".join(unbalanced) or "none"},
        )

    return [source_layers]


def all_ingest_assets(partitions: dg.PartitionsDefinition) -> list:
    """Ingest assets for every landing source, reference tables first."""
    return [a for source in landing.SOURCES.values() for a in source_assets(source, partitions)]
