"""Read landing files as numbered lines of bytes, leaving all judgement to SQL.

A file is decompressed in one call and cut at its newlines with numpy: the lines become one
Arrow binary column over the decompressed buffer (no copy, no Python object per line), which
DuckDB scans in place. Lines stay bytes so that a line in a bad encoding is quarantined by SQL
instead of failing the whole file.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
from isal import igzip, isal_zlib

NEWLINE = 10
_CHUNK = 1 << 20  # bytes scanned for newlines at a time (keeps the scratch mask in cache)


class LandingFileError(RuntimeError):
    """A landing file that cannot be read at all; the message names the file and the problem."""


def read_bytes(path: Path) -> bytes:
    """The file's content, decompressed when it ends in ``.gz``; LandingFileError if unreadable."""
    try:
        data = path.read_bytes()
        if path.suffix == ".gz":
            # ISA-L's inflate: 1.6x zlib's on landing files, and it releases the GIL too, so
            # files decompress in parallel
            data = igzip.decompress(data)
    except FileNotFoundError:
        raise LandingFileError(f"{path}: file not found") from None
    except (gzip.BadGzipFile, EOFError, isal_zlib.error) as exc:
        raise LandingFileError(f"{path}: not a readable gzip file ({exc})") from None
    except OSError as exc:
        raise LandingFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return data


def _newlines(data: bytes) -> np.ndarray:
    """Positions of every newline byte in ``data``, ascending."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    mask = np.empty(min(_CHUNK, len(buffer)), dtype=bool)
    found = []
    for start in range(0, len(buffer), _CHUNK):
        part = buffer[start : start + _CHUNK]
        hits = mask[: len(part)]
        np.equal(part, NEWLINE, out=hits)
        positions = np.flatnonzero(hits)
        if len(positions):
            found.append(positions + start)
    return np.concatenate(found) if found else np.empty(0, dtype=np.int64)


def line_offsets(data: bytes) -> np.ndarray:
    """Where each line of ``data`` starts, and where the last one ends: line i (0-based) is
    ``data[offsets[i]:offsets[i + 1]]``, its newline included (the last line may have none).

    A trailing newline does not make an extra empty line.
    """
    ends = _newlines(data) + 1
    if len(data) and data[-1] != NEWLINE:
        ends = np.append(ends, len(data))
    offsets = np.zeros(len(ends) + 1, dtype=np.int64)
    offsets[1:] = ends
    return offsets


def split_lines(data: bytes, offsets: np.ndarray | None = None) -> pa.Table:
    """``line_no`` (1-based) and ``line`` for every line of ``data``.

    ``line`` keeps its terminating newline: the values then tile the buffer, so the column is
    built over it without copying. Strip it where a line's exact bytes are wanted (SQL:
    ``without_newline``).
    """
    offsets = line_offsets(data) if offsets is None else offsets
    count = len(offsets) - 1
    line = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), count, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    line_no = pa.array(np.arange(1, count + 1, dtype=np.int32))
    return pa.table({"line_no": line_no, "line": line})


def without_newline(column: str) -> str:
    """SQL: the BLOB ``column`` of split_lines without its terminating newline, if any."""
    return f"(case when {column}[-1:] = '\\x0A'::blob then {column}[:-2] else {column} end)"


def read_lines(path: Path) -> pa.Table:
    """``line_no`` and ``line`` (bytes with their newline) of one landing file.

    Raises LandingFileError naming the file when it cannot be read or decompressed.
    """
    return split_lines(read_bytes(path))


def read_files(paths: Iterable[Path], threads: int = 2) -> Iterator[bytes]:
    """read_bytes for each path, in order, ``threads`` files at a time."""
    with ThreadPoolExecutor(max_workers=threads) as pool:
        yield from pool.map(read_bytes, paths)
