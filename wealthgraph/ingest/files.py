"""What is in a landing folder, file by file, and what a run does with each file.

Ingest reads only what this survey says to; every other entry of the landing folders gets a
status and a reason, so nothing is skipped without a word and no file deletes data by being
empty or misnamed:

- ``ingest``: a well-named file with lines, of a day up to the run date;
- ``empty``: a day declared empty by a marker ``<day>.empty`` beside it (its file, if any,
  must have no lines): the day's rows are removed;
- ``held``: a day after the run date (early, or a wrong date): left alone until a run's
  date reaches it;
- ``refused``: anything else: an empty file without a marker (the day's rows are kept), a name
  that is not ``YYYY-MM-DD.jsonl.gz`` or not a calendar date, an unknown reference file, a
  folder where a file belongs. Hidden files (``.name``) are in-flight uploads by convention
  and are listed as refused too, so a stuck upload is seen.

The run date (``as_of``) is chosen, not inferred from the largest file name: by the schedule
(yesterday), by ``wealthgraph run --as-of``, or by default the last complete landed day that
is not in the future (see ``default_as_of``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from wealthgraph import landing
from wealthgraph.ingest.lines import LandingFileError, read_bytes

EMPTY_MARKER = ".empty"
TIMEZONE = "Asia/Shanghai"  # the bank's: landed days and the schedule are in its local time
# a gzip stream of no lines is ~20 bytes: only files this small are opened to count lines
_SMALL = 1024
STATUSES = ("ingest", "empty", "held", "refused")


@dataclass(frozen=True)
class SurveyedFile:
    """One entry of a landing folder and what the run does with it."""

    source: str  # the landing source, or the folder's name when the entry names none
    file_name: str  # relative to the landing folder
    day: dt.date | None
    size: int
    status: str  # one of STATUSES
    reason: str | None  # why, for every status but ingest

    @property
    def message(self) -> str:
        return f"{self.file_name}: {self.status}: {self.reason}"


def _has_lines(path: Path, size: int) -> bool:
    """Whether the file holds at least one byte of content once decompressed."""
    if size == 0:
        return False
    if size > _SMALL:
        return True
    try:
        return len(read_bytes(path)) > 0
    except LandingFileError:
        return True  # unreadable is not empty: ingest names the problem


def _day_of(stem: str) -> tuple[dt.date | None, str | None]:
    """The day a file stem names, or why it names none."""
    if not landing.DAY_STEM.match(stem):
        return None, f"unrecognised file name: expected YYYY-MM-DD{landing.SUFFIX}"
    day = landing.file_day(stem)
    return (
        (day, None) if day else (None, f"invalid date in file name: {stem} is not a calendar day")
    )


def survey_daily(root: Path, source: landing.Source, as_of: dt.date) -> list[SurveyedFile]:
    """Every entry of a daily source's folder, with its status for a run as of ``as_of``."""
    folder = root / source.folder
    if not folder.is_dir():
        return []
    entries = sorted(folder.iterdir())
    markers = {p.name[: -len(EMPTY_MARKER)] for p in entries if p.name.endswith(EMPTY_MARKER)}
    found: list[SurveyedFile] = []
    named_days: set[str] = set()

    def add(path: Path, day: dt.date | None, size: int, status: str, reason: str | None):
        name = str(path.relative_to(root))
        found.append(SurveyedFile(source.name, name, day, size, status, reason))

    for path in entries:
        name = path.name
        if name.endswith(EMPTY_MARKER) and not name.startswith("."):
            continue  # read with its day below
        if path.is_dir():
            add(path, None, 0, "refused", "a folder where day files belong")
            continue
        size = path.stat().st_size
        if name.startswith("."):
            add(path, None, size, "refused", "hidden file (an upload still in flight?)")
            continue
        if not name.endswith(landing.SUFFIX):
            add(
                path,
                None,
                size,
                "refused",
                f"unrecognised file name: expected YYYY-MM-DD{landing.SUFFIX}",
            )
            continue
        stem = name[: -len(landing.SUFFIX)]
        day, problem = _day_of(stem)
        if day is None:
            add(path, None, size, "refused", problem)
            continue
        named_days.add(stem)
        if day > as_of:
            add(
                path,
                day,
                size,
                "held",
                f"day after the run date {as_of}: held until a run reaches it",
            )
        elif stem in markers:
            if _has_lines(path, size):
                add(
                    path,
                    day,
                    size,
                    "refused",
                    f"has lines, but {stem}{EMPTY_MARKER} declares the day empty",
                )
            else:
                add(path, day, size, "empty", f"declared empty by {stem}{EMPTY_MARKER}")
        elif not _has_lines(path, size):
            add(
                path,
                day,
                size,
                "refused",
                f"empty file: the day's rows are kept (land {stem}{EMPTY_MARKER} to empty it)",
            )
        else:
            add(path, day, size, "ingest", None)
    for stem in sorted(markers - named_days):
        path = folder / f"{stem}{EMPTY_MARKER}"
        day, problem = _day_of(stem)
        if day is None:
            add(path, None, 0, "refused", problem)
        elif day > as_of:
            add(
                path, day, 0, "held", f"day after the run date {as_of}: held until a run reaches it"
            )
        else:
            add(path, day, 0, "empty", f"declared empty by {stem}{EMPTY_MARKER}")
    return found


def survey_reference(root: Path) -> list[SurveyedFile]:
    """Every entry of the reference folder; a missing reference file is refused too."""
    folder = root / "reference"
    known = {f"{s.name}{landing.SUFFIX}": s.name for s in landing.REFERENCE_SOURCES}
    found = []
    entries = sorted(folder.iterdir()) if folder.is_dir() else []
    for path in entries:
        name = str(path.relative_to(root))
        source = known.get(path.name, "reference")
        if path.is_dir():
            found.append(
                SurveyedFile(source, name, None, 0, "refused", "a folder where files belong")
            )
        elif path.name not in known:
            reason = f"unrecognised reference file: expected one of {', '.join(sorted(known))}"
            found.append(SurveyedFile(source, name, None, path.stat().st_size, "refused", reason))
        elif not _has_lines(path, size := path.stat().st_size):
            reason = "empty reference file: the previous state is kept"
            found.append(SurveyedFile(source, name, None, size, "refused", reason))
        else:
            found.append(SurveyedFile(source, name, None, size, "ingest", None))
    present = {p.name for p in entries}
    for file_name, source in known.items():
        if file_name not in present:
            reason = "reference file missing: the previous state is kept"
            found.append(SurveyedFile(source, f"reference/{file_name}", None, 0, "refused", reason))
    return found


def survey(root: Path, as_of: dt.date) -> list[SurveyedFile]:
    """Every entry of every landing folder, reference first."""
    found = survey_reference(root)
    for source in landing.DAILY_SOURCES:
        found += survey_daily(root, source, as_of)
    return found


def day_plan(
    root: Path, source: landing.Source, days: list[dt.date], as_of: dt.date
) -> tuple[list[dt.date], list[dt.date], list[SurveyedFile]]:
    """Of a run's ``days``: those to ingest, those declared empty, and the files left alone."""
    surveyed = [f for f in survey_daily(root, source, as_of) if f.day in set(days) or f.day is None]
    ingest = sorted(f.day for f in surveyed if f.status == "ingest")
    empty = sorted({f.day for f in surveyed if f.status == "empty"})
    return ingest, empty, [f for f in surveyed if f.status not in ("ingest", "empty")]


def complete_days(root: Path) -> list[dt.date]:
    """Days a run can be as of: with an events file or, for a landing without app events (a
    bank's own records), a snapshots or transactions file.

    A file that is refused for being empty still counts: its day keeps the rows an earlier
    run ingested, and the run stays as of it.
    """
    far = dt.date.max
    by_source = {
        s.name: {f.day for f in survey_daily(root, s, far) if f.day is not None}
        for s in landing.DAILY_SOURCES
    }
    if by_source["events"]:
        return sorted(by_source["events"])
    return sorted(by_source["snapshots"] | by_source["transactions"])


def default_as_of(root: Path, today: dt.date | None = None) -> dt.date | None:
    """The last complete landed day that is not after ``today`` (default: today in the bank's
    time zone, where landed days are dated) (None: no such day)."""
    today = today or dt.datetime.now(ZoneInfo(TIMEZONE)).date()
    days = [d for d in complete_days(root) if d <= today]
    return days[-1] if days else None
