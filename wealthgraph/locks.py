"""Who may write the warehouse: one ``wealthgraph run`` (or ``publish``) at a time.

DuckDB lets one process write a file; a second run that tried anyway would fail halfway with
DuckDB's "Could not set lock on file". ``run_lock`` refuses it at once instead, naming the run
that holds the warehouse. The lock is a kernel ``flock`` on ``<database>.run.lock``: the kernel
drops it when its holder dies, even by ``kill -9``, so a crashed run never leaves a stale lock
behind and the file's content (who holds it) only matters while it is locked.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shlex
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class RunLockedError(RuntimeError):
    """Another process holds the run lock of this warehouse (the message is one line)."""


class WarehouseLockedError(RuntimeError):
    """The warehouse file stayed locked by another process (the message is one line)."""


# lock file -> (descriptor, depth): the run takes the lock around both jobs and the publish
# inside it takes it again; flock would refuse a second descriptor even in the same process
_held: dict[Path, tuple[int, int]] = {}
_guard = threading.Lock()


def lock_path(database: Path | str) -> Path:
    """The run lock of ``database``: ``<database>.run.lock`` beside it."""
    database = Path(database).resolve()
    return database.with_name(f"{database.name}.run.lock")


@contextmanager
def run_lock(database: Path | str) -> Iterator[Path]:
    """Hold the warehouse's run lock for the block; raise RunLockedError at once if another
    process holds it. Re-entrant within one process."""
    path = lock_path(database)
    with _guard:
        descriptor, depth = _held.get(path) or (_acquire(path, database), 0)
        _held[path] = (descriptor, depth + 1)
    try:
        yield path
    finally:
        with _guard:
            descriptor, depth = _held.pop(path)
            if depth > 1:
                _held[path] = (descriptor, depth - 1)
            else:
                _release(descriptor)


def _acquire(path: Path, database: Path | str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    # os.open descriptors are not inherited by child programs, so a helper process started
    # during the run cannot keep the lock alive after the run ends
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(descriptor)
        os.close(descriptor)
        raise RunLockedError(
            f"another wealthgraph run is using {Path(database).resolve()} ({holder}): "
            "wait for it to finish or stop it"
        ) from None
    except BaseException:
        os.close(descriptor)
        raise
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    record = {"pid": os.getpid(), "started": started, "command": shlex.join(sys.argv)}
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, (json.dumps(record) + "\n").encode(), 0)
    return descriptor


def _release(descriptor: int) -> None:
    # emptied, not deleted: deleting would let a waiting process lock the old inode while a
    # new one locks a fresh file of the same name
    os.ftruncate(descriptor, 0)
    os.close(descriptor)  # closing the last descriptor releases the flock


def _holder(descriptor: int) -> str:
    """``PID n, started T: command`` from the lock file, as far as the holder wrote it."""
    for _ in range(5):
        # the holder writes its record just after locking: give it a moment
        try:
            record = json.loads(os.pread(descriptor, 4096, 0))
            return f"PID {record['pid']}, started {record['started']}: {record['command']}"
        except (ValueError, KeyError, TypeError):
            time.sleep(0.05)
    return "PID unknown"
