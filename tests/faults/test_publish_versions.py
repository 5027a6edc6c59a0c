"""What an interrupted publish leaves behind is cleared, and only the last N versions stay."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.faults.conftest import Dirty, assert_clean_failure
from wealthgraph import publish
from wealthgraph.publish import _prune, current, keep_versions

STALE = ("v20000101T000000000000Z", "v20000102T000000000000Z")


def leave_debris(root: Path) -> None:
    """What a publish killed before its rename or its switch leaves: partial folders and
    the temporary symlink."""
    for version in STALE:
        (root / f".{version}.partial" / "parquet").mkdir(parents=True)
        (root / f".{version}.partial" / "wealthgraph.duckdb").write_bytes(b"half")
        (root / f".current.{version}").symlink_to(version)


def hidden(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith("."))


def versions(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith("v") and p.is_dir())


def test_publish_clears_leftovers_and_keeps_the_last_n(dirty: Dirty):
    # the session's finished run serves: publishing it again only adds versions of the same
    # data and moves ``current``, which the other tests of that site read only to exist
    first, site = dirty.result, dirty.site
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-3000:]
    root = site.published
    leave_debris(root)
    results = [site.cli("publish", WEALTHGRAPH_KEEP_VERSIONS="2") for _ in range(2)]
    for result in results:
        assert result.returncode == 0, result.stdout + result.stderr[-3000:]
        assert_clean_failure(result)
    assert hidden(root) == []
    kept = versions(root)
    assert len(kept) == 2
    assert (root / "current").resolve().name == kept[-1] == current(root).version
    assert current(root).version in results[-1].stdout


def test_a_bad_keep_setting_is_one_line(site):
    result = site.cli("publish", WEALTHGRAPH_KEEP_VERSIONS="all")
    assert result.returncode == 2
    assert_clean_failure(result)
    assert result.stderr.strip() == (
        "WEALTHGRAPH_KEEP_VERSIONS must be a whole number >= 1, not 'all'"
    )


def fake_version(root: Path, name: str) -> Path:
    path = root / name
    (path / "parquet").mkdir(parents=True)
    return path


def point_current_at(root: Path, name: str) -> None:
    link = root / "current"
    link.unlink(missing_ok=True)
    link.symlink_to(name)


def test_prune_keeps_only_current_with_keep_1(tmp_path):
    root = tmp_path / "published"
    names = [f"v2026120{day}T000000000000Z" for day in range(1, 6)]
    for name in names:
        fake_version(root, name)
    point_current_at(root, names[-1])
    leave_debris(root)
    _prune(root, keep=1)
    assert versions(root) == [names[-1]]
    assert hidden(root) == []
    assert os.readlink(root / "current") == names[-1]


def test_prune_never_removes_the_current_version_even_when_it_is_old(tmp_path):
    root = tmp_path / "published"
    names = [f"v2026120{day}T000000000000Z" for day in range(1, 6)]
    for name in names:
        fake_version(root, name)
    point_current_at(root, names[0])  # an operator rolled back
    _prune(root, keep=2)
    assert versions(root) == [names[0], names[-1]]


@pytest.mark.parametrize(("text", "keep"), [(None, 3), ("", 3), ("1", 1), (" 5 ", 5)])
def test_keep_versions_setting(monkeypatch, text, keep):
    if text is None:
        monkeypatch.delenv("WEALTHGRAPH_KEEP_VERSIONS", raising=False)
    else:
        monkeypatch.setenv("WEALTHGRAPH_KEEP_VERSIONS", text)
    assert keep_versions() == keep
    assert publish.KEEP_VERSIONS == 3


@pytest.mark.parametrize("text", ["0", "-1", "two", "2.5"])
def test_bad_keep_versions_are_refused(monkeypatch, text):
    monkeypatch.setenv("WEALTHGRAPH_KEEP_VERSIONS", text)
    with pytest.raises(ValueError, match=f"WEALTHGRAPH_KEEP_VERSIONS must be .* not '{text}'"):
        keep_versions()
