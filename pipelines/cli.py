"""The ``wealthgraph`` command (typer): ``wealthgraph --help`` lists the subcommands and
``wealthgraph COMMAND --help`` each one's options and defaults.

A mistake the operator can fix (a bad option, a wrong path, an unknown customer, a missing
warehouse, a held lock, a bad setting) is one line on stderr naming the fix and a non-zero
exit (2: a usage error or a bad value), never a traceback. ``main(argv)`` returns the exit code.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from wealthgraph.generate.cli import generate, iso_date
from wealthgraph.locks import RunLockedError, WarehouseLockedError, run_lock

try:  # typer vendors click from 0.2x on
    from typer._click.exceptions import ClickException, NoArgsIsHelpError
except ImportError:  # pragma: no cover
    from click.exceptions import ClickException, NoArgsIsHelpError

PROG = "wealthgraph"


class UserError(Exception):
    """Something the operator can fix: shown as its one-line message, exit ``code``."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


app = typer.Typer(
    name=PROG,
    help="Ingest, check and publish the social-finance app's data (Dagster + DuckDB).\n\n"
    "Where things are comes from the environment: WEALTHGRAPH_DATA (the landing folder, "
    "default data_samples/) and WEALTHGRAPH_DB (the warehouse, default "
    "warehouse/wealthgraph.duckdb; readers use the published copy beside it).",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)


def main(argv: list[str] | None = None) -> int:
    """Run ``wealthgraph`` with ``argv`` (default: the process's arguments); return the exit
    code."""
    command = typer.main.get_command(app)
    try:
        code = command.main(
            args=sys.argv[1:] if argv is None else list(argv), prog_name=PROG, standalone_mode=False
        )
    except NoArgsIsHelpError as error:
        print(error.format_message())
        return error.exit_code
    except ClickException as error:
        ctx = getattr(error, "ctx", None)
        where = ctx.command_path if ctx is not None else PROG
        print(f"{where}: {error.format_message()} (see {where} --help)", file=sys.stderr)
        return error.exit_code
    except (UserError, RunLockedError, WarehouseLockedError) as error:
        # the operator's next step is in the message; a traceback would only bury it
        print(error, file=sys.stderr)
        return getattr(error, "code", 1)
    except SystemExit as error:  # e.g. materialize_range finding nothing to ingest
        if isinstance(error.code, str):
            print(error.code, file=sys.stderr)
            return 1
        return error.code or 0
    return code if isinstance(code, int) else 0


# --- settings and the warehouse ------------------------------------------------------------


def _settings():
    from wealthgraph.settings import Settings

    return Settings.from_env()


def _check_settings() -> None:
    """Raise UserError (exit 2) naming the first bad setting a run or a publish reads."""
    import duckdb

    from wealthgraph.publish import keep_versions
    from wealthgraph.warehouse import keep_days, lock_wait, memory_limit

    try:
        lock_wait()
        keep_versions()
        keep_days()
    except ValueError as error:
        raise UserError(str(error), 2) from None
    try:
        duckdb.connect(":memory:", config={"memory_limit": memory_limit()}).close()
    except duckdb.Error:
        raise UserError(
            "WEALTHGRAPH_MEMORY_LIMIT must be a DuckDB size such as 6GB, "
            f"not {os.environ.get('WEALTHGRAPH_MEMORY_LIMIT')!r}",
            2,
        ) from None


def _one_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _open_warehouse(database: Path):
    """The warehouse, opened for writing; UserError if it is not a DuckDB file."""
    import duckdb

    from wealthgraph.warehouse import connect

    try:
        return connect(database)
    except duckdb.Error as error:
        raise UserError(
            f"cannot open the warehouse {database}: {_one_line(error)} "
            "(set WEALTHGRAPH_DB to a DuckDB file)"
        ) from None


# --- the commands --------------------------------------------------------------------------


@app.command(short_help="Ingest, check, build and publish; then evaluate.")
def run(
    no_evaluation: Annotated[
        bool,
        typer.Option(
            "--no-evaluation",
            help="Skip the evaluation job (it replays the derived tables: weekly in production).",
        ),
    ] = False,
    as_of: Annotated[
        dt.date | None,
        typer.Option(
            parser=iso_date,
            metavar="YYYY-MM-DD",
            help="The run date: ingest and build the landed days up to it "
            "[default: the last complete landed day not in the future].",
            show_default=False,
        ),
    ] = None,
    day: Annotated[
        dt.date | None,
        typer.Option(
            parser=iso_date,
            metavar="YYYY-MM-DD",
            help="Only this landed day, as the daily schedule runs it: ingest that day's "
            "files, write its rows of the per-day tables and rebuild the rest as of it "
            "(the warehouse must hold the days before) [default: every landed day].",
            show_default=False,
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also show Dagster's own log lines.")
    ] = False,
    shards: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="S",
            help="Then cut the warehouse into S customer shards and build the per-customer "
            "tables on each (<db>.shards/shard-<k>.duckdb).",
            show_default=False,
        ),
    ] = None,
) -> int:
    """Ingest, check and build every landed day, publish; then the evaluation job.

    Reads WEALTHGRAPH_DATA into WEALTHGRAPH_DB; each step is reported as it finishes (with
    progress and ETAs on a terminal), then every table with its checks. Exits 1 if a step or
    a blocking check failed. One run at a time per warehouse.
    """
    settings = _settings()
    # the lock first: a second run must be refused at once, not wait for the first one's file
    with run_lock(settings.database):
        _check_settings()
        # wait (WEALTHGRAPH_LOCK_WAIT) for anyone else's connection before Dagster starts, so
        # that giving up is one line rather than a failed step per asset
        if settings.database.exists():
            _open_warehouse(settings.database).close()
        from pipelines.run import main as run_jobs

        if day is not None:
            _check_day(settings.landing, day, as_of)
        code = run_jobs(evaluation=not no_evaluation, as_of=as_of, verbose=verbose, day=day)
        if code == 0 and shards:
            _build_shards(settings.database, shards)
        return code


def _build_shards(database: Path, shards: int) -> None:
    import duckdb

    from pipelines.shards import BUILT, build_shard, finish

    print(f"shards: {shards}, each building {len(BUILT)} per-customer tables")
    for k in range(shards):
        try:
            built = build_shard(database, k, shards)
        except (RuntimeError, ValueError, duckdb.Error) as error:
            # the published shards and the layout stay as they were: the API serves on
            raise UserError(
                f"shard {k} of {shards} failed: {_one_line(error)} (the run itself succeeded "
                f"and is published; the shards' last versions are still served: fix it and "
                f"run again with --shards {shards})"
            ) from None
        print(
            f"  shard {k}: {built.customers:>10,} customers in {built.seconds:6.1f} s  "
            f"{built.database}"
        )
    layout = finish(database, shards)
    print(f"  layout {layout}; serve by customer: wealthgraph serve --sharded")


def _check_day(root: Path, day: dt.date, as_of: dt.date | None) -> None:
    """UserError unless ``day`` is a landed day a run may take (``--day`` runs as of it)."""
    from wealthgraph import landing
    from wealthgraph.ingest.files import default_as_of, survey_daily

    if as_of is not None and as_of != day:
        raise UserError(f"--day {day} runs as of that day: leave out --as-of {as_of}", 2)

    def landed(up_to: dt.date) -> list[dt.date]:
        surveyed = [f for s in landing.DAILY_SOURCES for f in survey_daily(root, s, up_to)]
        return sorted({f.day for f in surveyed if f.status in ("ingest", "empty")})

    if day not in landed(day):
        days = landed(default_as_of(root) or day)
        span = f"landed days: {days[0]} .. {days[-1]}" if days else "no landed days"
        raise UserError(f"no daily landing files for {day} under {root} ({span})", 2)


app.command(short_help="Write a synthetic landing folder.")(generate)


def _convert(name: str, src: Path, out: Path) -> int:
    from importlib import import_module

    adapter = import_module(f"wealthgraph.adapters.{name}")
    try:
        adapter.check_source(src)
        counts = adapter.convert(src, out)
    except FileNotFoundError as error:
        raise UserError(_one_line(error), 2) from None
    for source, rows in counts.items():
        print(f"{source:<16} {rows:>10,}")
    return 0


SRC = typer.Argument(
    metavar="SRC", help="Folder with the dataset's original files.", show_default=False
)
OUT = typer.Argument(metavar="OUT", help="Landing folder to write.", show_default=False)


@app.command(short_help="Last.fm (HetRec 2011) files -> a landing folder.")
def lastfm(src: Annotated[Path, SRC], out: Annotated[Path, OUT]) -> int:
    """HetRec 2011 Last.fm files -> a landing folder (real friend network)."""
    return _convert("lastfm", src, out)


@app.command(short_help="Berka (PKDD'99) bank files -> a landing folder.")
def berka(src: Annotated[Path, SRC], out: Annotated[Path, OUT]) -> int:
    """PKDD'99 Berka bank files -> a landing folder (real accounts and transactions)."""
    return _convert("berka", src, out)


@app.command("wealth-report", short_help="One customer's wealth page (HTML).")
def wealth_report(
    customer_id: Annotated[
        str, typer.Argument(metavar="CUSTOMER_ID", help="e.g. C0000001.", show_default=False)
    ],
    out: Annotated[
        Path | None,
        typer.Argument(
            metavar="OUT",
            help="HTML file to write [default: wealth-CUSTOMER_ID.html].",
            show_default=False,
        ),
    ] = None,
) -> int:
    """One customer's wealth overview as an HTML page, from the published copy."""
    import duckdb

    from wealthgraph.publish import current
    from wealthgraph.wealth.report import write_report

    out = out or Path(f"wealth-{customer_id}.html")
    try:
        database = current(_settings().published).database
    except FileNotFoundError as error:
        raise UserError(str(error), 1) from None
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            known, first, last = con.execute(
                "select count(*) filter (where customer_id = ?), min(customer_id), "
                "max(customer_id) from marts.wealth_summary",
                [customer_id],
            ).fetchone()
    except duckdb.Error as error:
        raise UserError(
            f"cannot read the published copy {database}: {_one_line(error)} "
            "(publish again: wealthgraph publish)"
        ) from None
    if not known:
        raise UserError(
            f"no wealth summary for {customer_id} in the published copy {database} "
            f"(its customers are {first} .. {last})",
            2,
        )
    try:
        print(write_report(database, customer_id, out))
    except LookupError as error:
        raise UserError(f"{error.args[0] if error.args else error} ({database})", 2) from None
    except OSError as error:
        raise UserError(f"cannot write {out}: {error.strerror or error}") from None
    return 0


@app.command(short_help="Publish the warehouse as a new version now.")
def publish() -> int:
    """Publish the warehouse now as a new read-only version (as every run does at its end)."""
    from wealthgraph.publish import publish as publish_version

    _check_settings()
    settings = _settings()
    # under the run lock: a publish in the middle of a run would copy half-built tables
    with run_lock(settings.database):
        if not settings.database.exists():
            raise UserError(
                f"no warehouse at {settings.database}: run the pipeline first (wealthgraph run)"
            )
        with _open_warehouse(settings.database) as con:
            try:
                version = publish_version(con, settings.published)
            except LookupError as error:  # a table missing: the warehouse was never built
                raise UserError(
                    f"{_one_line(error)} (run the pipeline first: wealthgraph run)"
                ) from None
    print(f"published {version.version} (as of {version.as_of}) at {version.path}")
    return 0


@app.command(short_help="The HTTP API over the published copy.")
def serve(
    host: Annotated[
        str, typer.Option(metavar="HOST", help="Interface to listen on (this machine only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, metavar="PORT", help="Port.")] = 8000,
    sharded: Annotated[
        bool,
        typer.Option(
            "--sharded",
            help="Serve each customer from their shard's published copy "
            "(<db>.shards/, built by wealthgraph run --shards S).",
        ),
    ] = False,
) -> int:
    """The app's HTTP API over the published copy (keys: WEALTHGRAPH_API_KEYS)."""
    import secrets

    import uvicorn

    from wealthgraph.api.app import KEYS_ENV, create_app, keys_from_env

    keys = keys_from_env()
    if not keys:
        # never open: without configured keys, one random key for this process, shown once
        key = secrets.token_urlsafe(32)
        keys = {key}
        print(f"{KEYS_ENV} is not set; the API key of this process is:\n\n    {key}\n", flush=True)
    from pipelines.shards import shard_path

    settings = _settings()
    root = settings.published
    shards = shard_path(settings.database, 0).parent if sharded else None
    print(f"serving {root} on http://{host}:{port} (docs: /docs)", flush=True)
    if shards is not None:
        print(f"customers served by shard from {shards}", flush=True)
    uvicorn.run(create_app(root, keys, shards), host=host, port=port)
    return 0


def _cannot_listen(host: str, port: int) -> str | None:
    """Why nothing could listen on ``host:port`` now (None: it could)."""
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        return f"cannot listen on {host}: {error.strerror or error} (pass another --host)"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        # as the web server binds: a port in TIME_WAIT after a restart is free
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is already in use: stop what uses it or pass --port"
            return f"cannot listen on {host}:{port}: {error.strerror or error}"
    return None


@app.command(short_help="The Dagster UI for this warehouse.")
def dev(
    port: Annotated[int, typer.Option(min=1, max=65535, metavar="PORT", help="Port.")] = 3000,
    host: Annotated[
        str, typer.Option(metavar="HOST", help="Interface to listen on (this machine only).")
    ] = "127.0.0.1",
) -> int:
    """The Dagster UI for this warehouse: asset graph, runs, checks, "Materialize".

    Runs "dagster dev" with Dagster's home beside WEALTHGRAPH_DB (or DAGSTER_HOME); Ctrl-C
    stops it.
    """
    import signal
    import subprocess

    from wealthgraph.settings import ROOT, use_dagster_home

    settings = _settings()
    _check_settings()
    if problem := _cannot_listen(host, port):
        raise UserError(problem)
    home = use_dagster_home(settings)
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        # absolute: the UI's processes start in Dagster's home, not here
        "WEALTHGRAPH_DATA": str(settings.landing),
        "WEALTHGRAPH_DB": str(settings.database),
    }
    argv = [
        sys.executable,
        # `dagster dev` still works in 1.13 but says `dg dev` (not installed) supersedes it
        "-W",
        "ignore:Function `dev_command` is superseded",
        "-m",
        "dagster",
        "dev",
        *("-m", "pipelines.definitions", "-d", str(ROOT), "-h", host, "-p", str(port)),
    ]
    print(
        f"Dagster UI for {settings.database} on http://{host}:{port} "
        f"(run history in {home}); Ctrl-C stops it",
        file=sys.stderr,
        flush=True,
    )
    # its own process group: a Ctrl-C reaches it once, forwarded from here, not twice
    child = subprocess.Popen(argv, cwd=home, env=env, process_group=0)

    def forward(signum, frame) -> None:
        child.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        code = child.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    # a child stopped by a signal we forwarded exits as the operator asked: not a failure
    return 0 if code in (0, -signal.SIGINT, -signal.SIGTERM) else code


if __name__ == "__main__":
    raise SystemExit(main())
