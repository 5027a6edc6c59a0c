"""``wealthgraph`` command.

wealthgraph run                      the main job over every landed day (WEALTHGRAPH_DATA/DB)
wealthgraph generate --out DIR ...   synthetic landing data (--help for options)
wealthgraph lastfm SRC OUT           HetRec 2011 Last.fm files -> landing folder
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
    parser.add_argument("command", choices=["run", "generate", "lastfm", "berka", "wealth-report"])
    args = parser.parse_args(argv[:1])
    if args.command == "run":
        from wealthgraph.run import main as run

        return run()
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
    from wealthgraph.generate.cli import main as generate

    return generate(argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
