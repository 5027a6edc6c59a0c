"""raw.<source>, staging.<source> and core.<source>: one asset per table for every landing source.

The logic lives in wealthgraph.ingest; these assets loop over the run's days, record per-file
row counts as metadata and attach the Great Expectations suites as asset checks.
"""

import datetime as dt
import warnings

import dagster as dg

from pipelines.metadata import preview_metadata
from pipelines.resources import LandingFolder, Warehouse
from wealthgraph import ingest, landing
from wealthgraph.landing import Source
from wealthgraph.quality.suites import CHECKS

# single-run backfills (BackfillPolicy) are beta; they are what lets one run ingest many days
warnings.filterwarnings("ignore", category=dg.BetaWarning)

# reference tables each staging table looks ids up in (mirrors sql/staging/<source>.sql)
LOOKUPS: dict[str, tuple[str, ...]] = {
    "managers": ("branches",),
    "customers": ("branches", "managers"),
    "articles": ("managers", "products"),
    "groups": ("managers",),
    "group_members": ("groups", "customers"),
    "friendships": ("customers",),
    "events": ("customers", "managers", "groups", "articles", "products"),
    "snapshots": ("customers", "products"),
    "transactions": ("customers",),
}
DESCRIPTIONS = {
    "raw": "Every line of the {folder} file{s} for {name}, as landed bytes, numbered.",
    "staging": "Every {name} line typed, with the first reason it is rejected (null = accepted).",
    "core": "Accepted {name}: typed, deduplicated, every id known{extra}.",
}


def _batches(
    context: dg.AssetExecutionContext, source: Source, landing_root
) -> list[list[dt.date] | None]:
    """The run's days in batches of bounded size; one None batch for a reference source."""
    if not source.daily:
        return [None]
    days = [dt.date.fromisoformat(key) for key in context.partition_keys]
    return list(ingest.batches(landing_root, source, days))


def _check(
    layer: str, con, source: Source, batches: list[list[dt.date] | None], blocking: bool
) -> dg.AssetCheckResult:
    days = [d for batch in batches if batch for d in batch]
    outcome = CHECKS[layer](con, source, days)
    return dg.AssetCheckResult(
        check_name=f"{layer}_expectations",
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
        metadata={
            "expectations_evaluated": outcome.evaluated,
            "failures": dg.MetadataValue.md(
                "\n".join(f"- {f}" for f in outcome.failures) or "none"
            ),
        },
    )


def _spec(layer: str, source: Source, blocking: bool, description: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        f"{layer}_expectations",
        asset=dg.AssetKey([layer, source.name]),
        blocking=blocking,
        description=description,
    )


def _common(source: Source, partitions: dg.PartitionsDefinition) -> dict:
    if not source.daily:
        return {"group_name": "ingest"}
    return {
        "group_name": "ingest",
        "partitions_def": partitions,
        "backfill_policy": dg.BackfillPolicy.single_run(),
    }


def source_assets(source: Source, partitions: dg.PartitionsDefinition) -> list:
    """The raw, staging and core assets of one landing source."""
    name = source.name
    daily = "s, one per day" if source.daily else ""
    common = _common(source, partitions)

    @dg.asset(
        name=name,
        key_prefix="raw",
        description=DESCRIPTIONS["raw"].format(folder=source.folder, s=daily, name=name),
        check_specs=[_spec("raw", source, False, "Lines numbered from 1, one per file line.")],
        **common,
    )
    def raw_asset(
        context: dg.AssetExecutionContext, warehouse: Warehouse, landing_folder: LandingFolder
    ):
        batches = _batches(context, source, landing_folder.root)
        counts: dict[str, int] = {}
        with warehouse.get_connection() as con:
            for batch in batches:
                read = ingest.load_raw(con, source, landing_folder.root, batch)
                counts.update(read)
                span = f" {batch[0]}..{batch[-1]}" if batch else ""
                context.log.info(
                    f"raw.{name}{span}: {len(read)} file(s), {sum(read.values()):,} lines"
                )
            check = _check("raw", con, source, batches, False)
        days = sum(len(b) for b in batches if b)
        if source.daily and len(counts) < days:
            # normal: history days carry snapshots only, and not every source lands every day
            context.log.info(f"raw.{name}: {days - len(counts)} day(s) of the run had no file")
        return dg.MaterializeResult(
            metadata={"rows_in": sum(counts.values()), "files": len(counts)},
            check_results=[check],
        )

    @dg.asset(
        name=name,
        key_prefix="staging",
        description=DESCRIPTIONS["staging"].format(name=name),
        deps=[raw_asset.key, *(dg.AssetKey(["core", ref]) for ref in LOOKUPS.get(name, ()))],
        check_specs=[
            _spec("staging", source, True, "One staging row per raw line; reasons are known.")
        ],
        **common,
    )
    def staging_asset(
        context: dg.AssetExecutionContext, warehouse: Warehouse, landing_folder: LandingFolder
    ):
        batches = _batches(context, source, landing_folder.root)
        with warehouse.get_connection() as con:
            for batch in batches:
                ingest.build_staging(con, source, batch)
            days = [d for b in batches if b for d in b]
            where = "partition_date between ? and ?" if source.daily else "true"
            params = [min(days), max(days)] if source.daily else []
            reasons = con.execute(
                f"""
                select regexp_extract(reject_reason, '^[^:]*') as reason, count(*) as n
                from staging.{name} where reject_reason is not null and {where}
                group by all order by n desc
                """,
                params,
            ).fetchall()
            check = _check("staging", con, source, batches, True)
        return dg.MaterializeResult(
            metadata={
                "rows_quarantined": sum(n for _, n in reasons),
                "reasons": dg.MetadataValue.md(
                    "\n".join(f"- {r}: {n:,}" for r, n in reasons) or "none"
                ),
            },
            check_results=[check],
        )

    @dg.asset(
        name=name,
        key_prefix="core",
        description=DESCRIPTIONS["core"].format(
            name=name, extra=", inside its day" if source.daily else ""
        ),
        deps=[staging_asset.key],
        check_specs=[
            _spec("core", source, True, "Keys, accepted values, known ids, ranges (GX)."),
            dg.AssetCheckSpec(
                "rows_balanced",
                asset=dg.AssetKey(["core", name]),
                blocking=True,
                description="Per file: rows in = rows accepted + rows quarantined.",
            ),
        ],
        **common,
    )
    def core_asset(
        context: dg.AssetExecutionContext, warehouse: Warehouse, landing_folder: LandingFolder
    ):
        batches = _batches(context, source, landing_folder.root)
        files: list[ingest.FileCounts] = []
        with warehouse.get_connection() as con:
            for batch in batches:
                ingest.build_core(con, source, batch)
                files += ingest.file_counts(con, source, batch)
            check = _check("core", con, source, batches, True)
            personal = [f for f in landing.PERSONAL_FIELDS if f in source.fields]
            hidden = f" exclude ({', '.join(personal)})" if personal else ""
            preview = con.execute(f"select *{hidden} from core.{name} limit 5").pl()
        unbalanced = [f.file_name for f in files if not f.balanced]
        return dg.MaterializeResult(
            metadata={
                "rows_in": sum(f.rows_in for f in files),
                "rows_accepted": sum(f.rows_accepted for f in files),
                "rows_quarantined": sum(f.rows_quarantined for f in files),
                "files": dg.MetadataValue.md(
                    "| file | in | accepted | quarantined |\n|---|---|---|---|\n"
                    + "\n".join(
                        f"| {f.file_name} | {f.rows_in} | {f.rows_accepted} | "
                        f"{f.rows_quarantined} |"
                        for f in files
                    )
                ),
                "preview": preview_metadata(preview),
            },
            check_results=[
                check,
                dg.AssetCheckResult(
                    check_name="rows_balanced",
                    passed=not unbalanced,
                    metadata={"unbalanced_files": ", ".join(unbalanced) or "none"},
                ),
            ],
        )

    return [raw_asset, staging_asset, core_asset]


def all_ingest_assets(partitions: dg.PartitionsDefinition) -> list:
    """Ingest assets for every landing source, reference tables first."""
    return [a for source in landing.SOURCES.values() for a in source_assets(source, partitions)]
