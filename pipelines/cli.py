"""``wealthgraph`` command.

wealthgraph run [--no-evaluation] [--as-of YYYY-MM-DD]
                                     the main job over every landed day (WEALTHGRAPH_DATA/DB),
                                     then the weekly evaluation job
wealthgraph generate --out DIR ...   synthetic landing data (--help for options)
wealthgraph lastfm SRC OUT           HetRec 2011 Last.fm files -> landing folder
wealthgraph berka SRC OUT            PKDD'99 Berka bank files -> landing folder
wealthgraph wealth-report ID [OUT]   one customer's wealth overview as an HTML page (from
                                     the published copy)
wealthgraph publish                  publish WEALTHGRAPH_DB now as a new read-only version
wealthgraph serve [--host H] [--port P]
                                     HTTP API over the published copy (WEALTHGRAPH_API_KEYS)
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from wealthgraph.locks import RunLockedError, WarehouseLockedError, run_lock


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(
        prog="wealthgraph", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "command",
        choices=["run", "generate", "lastfm", "berka", "wealth-report", "publish", "serve"],
    )
    args = parser.parse_args(argv[:1])
    try:
        return command(args.command, argv[1:])
    except (RunLockedError, WarehouseLockedError) as error:
        # the operator's next step is in the message; a traceback would only bury it
        print(error, file=sys.stderr)
        return 1


def command(name: str, argv: list[str]) -> int:
    """Run one ``wealthgraph`` command with its own arguments; return the exit code."""
    if name == "run":
        return run_now(argv)
    if name in ("lastfm", "berka"):
        from importlib import import_module

        convert = import_module(f"wealthgraph.adapters.{name}").convert
        sub = argparse.ArgumentParser(prog=f"wealthgraph {name}")
        sub.add_argument("src", type=Path, help="folder with the dataset's original files")
        sub.add_argument("out", type=Path, help="landing folder to write")
        options = sub.parse_args(argv)
        for source, rows in convert(options.src, options.out).items():
            print(f"{source:<16} {rows:>10,}")
        return 0
    if name == "wealth-report":
        return wealth_report(argv)
    if name == "publish":
        return publish_now()
    if name == "serve":
        return serve(argv)
    from wealthgraph.generate.cli import main as generate

    return generate(argv)


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _check_settings() -> str | None:
    """The first bad setting among the variables a run or publish reads, as one line."""
    from wealthgraph.publish import keep_versions
    from wealthgraph.warehouse import lock_wait

    try:
        lock_wait()
        keep_versions()
    except ValueError as error:
        return str(error)
    return None


def run_now(argv: list[str]) -> int:
    """``wealthgraph run``: refuse at once if another run holds the warehouse, wait (bounded)
    for anyone else's connection to it, then run the jobs."""
    from wealthgraph.settings import Settings

    sub = argparse.ArgumentParser(prog="wealthgraph run")
    sub.add_argument(
        "--no-evaluation",
        action="store_true",
        help="skip the evaluation job (it replays the derived tables: weekly in production)",
    )
    sub.add_argument(
        "--as-of",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="the run date: ingest and build the landed days up to it "
        "(default: the last complete landed day not in the future)",
    )
    options = sub.parse_args(argv)
    database = Settings.from_env().database
    # the lock first: a second run must be refused at once, not wait for the first one's file
    with run_lock(database):
        if problem := _check_settings():
            print(problem, file=sys.stderr)
            return 2
        _wait_for_warehouse(database)
        from pipelines.run import main as run

        return run(evaluation=not options.no_evaluation, as_of=options.as_of)


def _wait_for_warehouse(database: Path) -> None:
    """Wait (WEALTHGRAPH_LOCK_WAIT) for another process's connection to the warehouse before
    Dagster starts, so that giving up is one line rather than a failed step per asset."""
    from wealthgraph.warehouse import connect

    if database.exists():
        connect(database).close()


def wealth_report(argv: list[str]) -> int:
    """``wealthgraph wealth-report``: one customer's page, from the published copy."""
    from wealthgraph.publish import current
    from wealthgraph.settings import Settings
    from wealthgraph.wealth.report import write_report

    sub = argparse.ArgumentParser(prog="wealthgraph wealth-report")
    sub.add_argument("customer_id")
    sub.add_argument("out", type=Path, nargs="?", help="default: wealth-<id>.html")
    options = sub.parse_args(argv)
    out = options.out or Path(f"wealth-{options.customer_id}.html")
    try:
        database = current(Settings.from_env().published).database
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 1
    try:
        print(write_report(database, options.customer_id, out))
    except KeyError as error:
        print(f"{error.args[0]} in the published copy {database}", file=sys.stderr)
        return 2
    return 0


def publish_now() -> int:
    """Publish the existing warehouse as a new version (what every run does at its end)."""
    from wealthgraph.publish import publish
    from wealthgraph.settings import Settings
    from wealthgraph.warehouse import connect

    if problem := _check_settings():
        print(problem, file=sys.stderr)
        return 2
    settings = Settings.from_env()
    # under the run lock: a publish in the middle of a run would copy half-built tables
    with run_lock(settings.database):
        if not settings.database.exists():
            print(f"no warehouse at {settings.database}: run the pipeline first", file=sys.stderr)
            return 1
        with connect(settings.database) as con:
            version = publish(con, settings.published)
    print(f"published {version.version} (as of {version.as_of}) at {version.path}")
    return 0


def serve(argv: list[str]) -> int:
    """Run the HTTP API over the published copy beside WEALTHGRAPH_DB."""
    import secrets

    import uvicorn

    from wealthgraph.api.app import KEYS_ENV, create_app, keys_from_env
    from wealthgraph.settings import Settings

    sub = argparse.ArgumentParser(prog="wealthgraph serve")
    sub.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1 (this machine only)")
    sub.add_argument("--port", type=int, default=8000)
    options = sub.parse_args(argv)
    keys = keys_from_env()
    if not keys:
        # never open: without configured keys, one random key for this process, shown once
        key = secrets.token_urlsafe(32)
        keys = {key}
        print(f"{KEYS_ENV} is not set; the API key of this process is:\n\n    {key}\n", flush=True)
    root = Settings.from_env().published
    print(f"serving {root} on http://{options.host}:{options.port} (docs: /docs)", flush=True)
    uvicorn.run(create_app(root, keys), host=options.host, port=options.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
