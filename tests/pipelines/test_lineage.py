"""Every asset depends on exactly the tables its code reads: SQL assets on their parsed SQL
file, Python assets on the SQL their code runs, and every dependency is an asset."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import polars as pl
import pytest

from pipelines.definitions import build_definitions
from pipelines.lineage import AS_OF_SOURCES, code_reads, key_table
from pipelines.sql_asset import BY_DAY, BY_MONTH, SQL_ASSETS
from wealthgraph import landing, warehouse
from wealthgraph.config import sql_params
from wealthgraph.ingest import rules
from wealthgraph.recommend import products
from wealthgraph.settings import Settings
from wealthgraph.sql import SQL_ROOT, bind, load_sql, parse_sql, sql_shape

# assets whose reads come from f-strings over lists (one asset per landing source, the
# published tables, views made from quality/*.sql) and so are not checked against code here
# (a shard copies the hub's tables by list, pipelines/shard_assets.py HUB_TABLES, its deps)
NOT_SCANNED = {"ingest", "quality", "serving", "shards"}

# the order data flows in: an asset reads only its own layer or one before it
LAYERS = {"core": 0, "features": 1, "graph": 2, "recommend": 3, "marts": 4, "serving": 5}


def _files_run(loader, module, *args) -> set[tuple[str, str]]:
    """The ``sql/<schema>/<name>.sql`` files ``loader(*args)`` runs through ``module.query``
    (wealthgraph.sql.query), recorded by running it with the query stubbed out."""
    ran: set[tuple[str, str]] = set()

    def record(con, schema: str, name: str, params=None) -> pl.DataFrame:
        ran.add((schema, name))
        return pl.DataFrame()

    original = module.query
    module.query = record
    try:
        loader(*args)
    finally:
        module.query = original
    return ran


# Python assets whose code runs SQL files (not literals code_reads sees): asset -> the files
SQL_FILES_RUN = {
    dg.AssetKey(["recommend", "products"]): _files_run(
        products.load_inputs, products, None, dt.date(2026, 1, 1)
    ),
}


def _file_reads(files: set[tuple[str, str]]) -> set[str]:
    return set().union(*(sql_shape(schema, name).reads for schema, name in files))


@pytest.fixture(scope="module")
def defs(tmp_path_factory) -> dg.Definitions:
    root = tmp_path_factory.mktemp("lineage")
    return build_definitions(Settings(landing=root, database=root / "wh.duckdb"))


@pytest.fixture(scope="module")
def graph(defs):
    return defs.resolve_asset_graph()


def _deps(graph, key: dg.AssetKey) -> set[str]:
    return {key_table(parent) for parent in graph.get(key).parent_keys}


def _assets(defs) -> list[dg.AssetsDefinition]:
    return list({id(a): a for a in defs.get_repository_def().assets_defs_by_key.values()}.values())


def test_sql_assets_depend_on_exactly_the_tables_their_sql_reads(graph):
    # every table's SQL file is an SQL asset (staging is made by ingest, quality by checks);
    # the other files are queries a Python asset runs
    queries = {f"{schema}.{name}" for files in SQL_FILES_RUN.values() for schema, name in files}
    files = {
        f"{path.parent.name}.{path.stem}"
        for path in SQL_ROOT.glob("*/*.sql")
        if path.parent.name not in ("staging", "quality")
    }
    assert {key_table(key) for key in SQL_ASSETS} == files - queries
    for key, lineage in SQL_ASSETS.items():
        reads = set(sql_shape(lineage.schema, lineage.name).reads) - {key_table(key)}
        assert _deps(graph, key) == reads | set(lineage.extra_reads), key.to_user_string()


def test_python_assets_depend_on_exactly_the_tables_their_code_reads(defs, graph):
    checked = []
    for asset in _assets(defs):
        if any(key in SQL_ASSETS for key in asset.keys):
            continue
        if set(asset.group_names_by_key.values()) <= NOT_SCANNED and asset.keys != {
            dg.AssetKey(["core", "enums"]),
            dg.AssetKey(["core", "event_types"]),
        }:
            continue
        reads = code_reads(asset.op.compute_fn.decorated_fn)
        # an asset reading what it wrote before (the product ALS's kept factors) is no upstream
        own = {key_table(key) for key in asset.keys}
        # the SQL files an op runs feed every table it writes
        ran = set().union(*(SQL_FILES_RUN.get(key, set()) for key in asset.keys))
        for key in asset.keys:
            expected = reads | _file_reads(ran)
            assert _deps(graph, key) == expected - own, key.to_user_string()
            checked.append(key.to_user_string())
    assert {
        "features/engagement",
        "features/behaviour",
        "graph/node_metrics",
        "graph/people_you_may_know",
        "recommend/products",
        "marts/wealth_advice",
        "core/enums",
    } <= set(checked)


def test_the_product_recommender_runs_its_sql_files():
    ran = SQL_FILES_RUN[dg.AssetKey(["recommend", "products"])]
    assert ran == {("recommend", name) for name in products.INPUT_QUERIES.values()}
    assert all((SQL_ROOT / schema / f"{name}.sql").is_file() for schema, name in ran)
    assert {"features.finances", "graph.edges", "core.products"} <= _file_reads(ran)


def test_data_flows_one_way(graph):
    """core -> features -> graph -> recommend -> marts -> published: no asset reads a later
    layer (a recommender reads features, never a mart)."""
    for key in graph.get_all_asset_keys():
        layer = LAYERS.get(key.path[0])
        for parent in graph.get(key).parent_keys:
            if layer is not None and parent.path[0] in LAYERS:
                assert LAYERS[parent.path[0]] <= layer, (
                    f"{key.to_user_string()} reads {parent.to_user_string()}"
                )


def test_every_dependency_is_an_asset(graph):
    keys = graph.get_all_asset_keys()
    for key in keys:
        missing = graph.get(key).parent_keys - keys
        assert not missing, f"{key.to_user_string()} depends on {missing}, which no asset makes"


def test_the_as_of_sources_are_what_latest_day_reads():
    assert code_reads(warehouse.latest_day) == set(AS_OF_SOURCES)


def test_reads_leave_out_common_table_expressions_and_find_nested_tables():
    shape = parse_sql(
        """
        with recursive chain as (select * from core.events union all select * from chain)
        select * from chain c
        join features.customers f using (customer_id)
        where exists (select 1 from core.enums e where e.value = c.kind and e.domain = $domain)
        """
    )
    assert shape.reads == {"core.events", "features.customers", "core.enums"}
    assert shape.parameters == {"domain"}


def test_the_scanner_follows_helpers_and_other_modules():
    from pipelines.graph import assets as graph_assets
    from pipelines.quality import assets as quality_assets

    assert code_reads(graph_assets._customer_edges) == {"graph.edges"}
    # read in wealthgraph/recommend/evaluate.py, which the asset calls
    evaluation = quality_assets.recommendation_eval.op.compute_fn.decorated_fn
    assert "features.topic_affinity" in code_reads(evaluation)


def test_staging_sql_lookups_are_declared(graph):
    for name, source in landing.SOURCES.items():
        # a daily source reads its own core table to drop repeated ids: not a dependency
        reads = set(parse_sql(rules.staging_sql(source)).reads) - {f"core.{name}"}
        assert {f"core.{t}" for t in source.lookup_tables} <= reads, name
        declared = _deps(graph, dg.AssetKey(["staging", name])) - {f"raw.{name}"}
        assert reads == declared, name
        declared = _deps(graph, dg.AssetKey(["staging", name])) - {f"raw.{name}"}
        assert reads == declared, name


def test_every_sql_parameter_is_a_setting():
    given = {"as_of", *sql_params()}
    # the files bound with the settings: the SQL assets' and the blocking checks'
    # (staging SQL binds its own id bounds; quality views take no parameters)
    paths = [SQL_ROOT / a.schema / f"{a.name}.sql" for a in SQL_ASSETS.values()]
    paths += SQL_ROOT.glob("quality/*_violations.sql")
    paths += [SQL_ROOT / s / f"{n}.sql" for files in SQL_FILES_RUN.values() for s, n in files]
    for path in paths:
        # a table kept per day is also given the run's days (wealthgraph.sql.build_days), one
        # kept per month the run's first day (build_months)
        table = f"{path.parent.name}.{path.stem}"
        days = {"first_day", "last_day"} if table in BY_DAY else set()
        days |= {"first_day"} if table in BY_MONTH else set()
        unknown = sql_shape(path.parent.name, path.stem).parameters - given - days
        assert not unknown, f"{path} uses {unknown}, which no setting provides"


def test_only_the_parameters_used_are_bound_and_a_missing_one_is_named():
    sql = "select * from core.events where ts > $as_of and n < $top_n_loan"
    assert bind(sql, {"as_of": 1, "top_n_loan": 2, "louvain_seed": 3}) == {
        "as_of": 1,
        "top_n_loan": 2,
    }
    with pytest.raises(KeyError, match=r"sql/marts/kpi_daily\.sql uses \$active_window_days"):
        bind(load_sql("marts", "kpi_daily"), {"as_of": 1}, "sql/marts/kpi_daily.sql")
