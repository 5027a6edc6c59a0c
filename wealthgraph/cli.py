"""``wealthgraph`` command.

wealthgraph run [--no-evaluation]    the main job over every landed day (WEALTHGRAPH_DATA/DB),
                                     then the weekly evaluation job
wealthgraph generate --out DIR ...   synthetic landing data (--help for options)
wealthgraph lastfm SRC OUT           HetRec 2011 Last.fm files -> landing folder
wealthgraph berka SRC OUT            PKDD'99 Berka bank files -> landing folder
wealthgraph wealth-report ID [OUT]   one customer's wealth overview as an HTML page
wealthgraph publish                  publish WEALTHGRAPH_DB now as a new read-only version
wealthgraph serve [--host H] [--port P]
                                     HTTP API over the published copy (WEALTHGRAPH_API_KEYS)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


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
    if args.command == "run":
        from wealthgraph.run import main as run

        sub = argparse.ArgumentParser(prog="wealthgraph run")
        sub.add_argument(
            "--no-evaluation",
            action="store_true",
            help="skip the evaluation job (it replays the derived tables: weekly in production)",
        )
        return run(evaluation=not sub.parse_args(argv[1:]).no_evaluation)
    if args.command in ("lastfm", "berka"):
        from importlib import import_module

        convert = import_module(f"wealthgraph.adapters.{args.command}").convert
        sub = argparse.ArgumentParser(prog=f"wealthgraph {args.command}")
        sub.add_argument("src", type=Path, help="folder with the dataset's original files")
        sub.add_argument("out", type=Path, help="landing folder to write")
        options = sub.parse_args(argv[1:])
        for source, rows in convert(options.src, options.out).items():
            print(f"{source:<16} {rows:>10,}")
        return 0
    if args.command == "wealth-report":
        from wealthgraph.settings import Settings
        from wealthgraph.wealth.report import write_report

        sub = argparse.ArgumentParser(prog="wealthgraph wealth-report")
        sub.add_argument("customer_id")
        sub.add_argument("out", type=Path, nargs="?", help="default: wealth-<id>.html")
        options = sub.parse_args(argv[1:])
        out = options.out or Path(f"wealth-{options.customer_id}.html")
        print(write_report(Settings.from_env().database, options.customer_id, out))
        return 0
    if args.command == "publish":
        return publish_now()
    if args.command == "serve":
        return serve(argv[1:])
    from wealthgraph.generate.cli import main as generate

    return generate(argv[1:])


def publish_now() -> int:
    """Publish the existing warehouse as a new version (what every run does at its end)."""
    from wealthgraph.publish import publish
    from wealthgraph.settings import Settings
    from wealthgraph.warehouse import connect

    settings = Settings.from_env()
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
