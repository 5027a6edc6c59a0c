"""Read a landing file as numbered raw lines, leaving all judgement to SQL."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import polars as pl


class LandingFileError(RuntimeError):
    """A landing file that cannot be read at all; the message names the file and the problem."""


def read_lines(path: Path) -> pl.DataFrame:
    """Return ``line_no`` (1-based) and ``line`` (bytes, undecoded) for every line of a file.

    Lines stay bytes so that a line in a bad encoding is quarantined by SQL instead of
    failing the whole file. A trailing newline does not make an extra empty line.
    """
    try:
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
    except FileNotFoundError:
        raise LandingFileError(f"{path}: file not found") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise LandingFileError(f"{path}: not a readable gzip file ({exc})") from None
    except OSError as exc:
        raise LandingFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return pl.DataFrame(
        {
            "line_no": pl.int_range(1, len(lines) + 1, eager=True, dtype=pl.Int32),
            "line": pl.Series(lines, dtype=pl.Binary),
        }
    )
