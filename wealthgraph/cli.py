"""``wealthgraph`` command: ``run`` the pipeline, ``generate`` synthetic landing data."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="wealthgraph", description=__doc__)
    parser.add_argument("command", choices=["run", "generate"])
    args = parser.parse_args(argv[:1])
    if args.command == "run":
        from wealthgraph.run import main as run

        return run()
    from wealthgraph.generate.cli import main as generate

    return generate(argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
