"""``wealthgraph generate``: write a synthetic landing folder.

``generate`` is the command (typer options; pipelines.cli registers it); ``main`` runs it on
its own.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from . import generate as write_landing

try:  # typer vendors click from 0.2x on
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover
    from click.exceptions import ClickException

END = dt.date(2026, 10, 31)


def iso_date(value: str | dt.date) -> dt.date:
    """A ``YYYY-MM-DD`` option value as a date; a usage error naming the format otherwise."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {value!r}") from None


def generate(
    out: Annotated[
        Path, typer.Option(metavar="DIR", help="Landing folder to write.", show_default=False)
    ],
    users: Annotated[int, typer.Option(min=50, metavar="N", help="Number of customers.")] = 2000,
    days: Annotated[int, typer.Option(min=1, metavar="N", help="Days in the event window.")] = 30,
    seed: Annotated[
        int, typer.Option(metavar="N", help="Random seed (same seed, same bytes).")
    ] = 42,
    end: Annotated[
        dt.date,
        typer.Option(parser=iso_date, metavar="YYYY-MM-DD", help="Last day of the window."),
    ] = END,
    history_months: Annotated[
        int, typer.Option(min=0, metavar="N", help="Month-end snapshots before the window.")
    ] = 12,
) -> int:
    """Write synthetic landing data (reference, events, snapshots, transactions).

    Prints per-stage progress and a summary to stderr.
    """

    def progress(stage: str, rows: int, seconds: float) -> None:
        print(f"  {stage:<24} {rows:>12,} rows {seconds:8.2f}s", file=sys.stderr, flush=True)

    started = time.perf_counter()
    print(
        f"generating {users:,} users x {days} days (seed {seed}, "
        f"end {end}, {history_months} history months) -> {out}",
        file=sys.stderr,
    )
    try:
        counts = write_landing(
            out,
            users=users,
            days=days,
            seed=seed,
            end=end,
            history_months=history_months,
            progress=progress,
        )
    except OSError as error:  # an unwritable or full folder: the operator's to fix
        print(f"cannot write {out}: {error.strerror or error}", file=sys.stderr)
        return 1
    print("rows per source:", file=sys.stderr)
    for name, rows in counts.items():
        print(f"  {name:<24} {rows:>12,}", file=sys.stderr)
    print(
        f"total {sum(counts.values()):,} rows in {time.perf_counter() - started:.1f}s",
        file=sys.stderr,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """``wealthgraph generate`` on its own; returns the exit code (2: a usage error)."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)
    app.command()(generate)
    command = typer.main.get_command(app)
    try:
        code = command.main(
            args=sys.argv[1:] if argv is None else argv,
            prog_name="wealthgraph generate",
            standalone_mode=False,
        )
    except ClickException as error:
        print(f"wealthgraph generate: {error.format_message()}", file=sys.stderr)
        return error.exit_code
    return code if isinstance(code, int) else 0
