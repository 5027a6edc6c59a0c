"""benchmarks/pipeline.py runs end to end at a tiny scale and writes its table."""

from __future__ import annotations

import subprocess
import sys

from wealthgraph.settings import ROOT


def test_the_pipeline_benchmark_measures_every_stage(tmp_path):
    argv = [sys.executable, str(ROOT / "benchmarks" / "pipeline.py"), "--users", "300"]
    argv += ["--days", "2", "--no-evaluation", "--work", str(tmp_path / "work")]
    argv += ["--results", str(tmp_path)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    table = (tmp_path / "pipeline-300.md").read_text(encoding="utf-8")
    for stage in ("floor", "ingest", "features", "graph", "recommendations", "publish"):
        assert f"| {stage} |" in table
    assert "ingest / DuckDB floor" in table
    assert "networkx / fast path" in table
    assert "bare implicit" in table
    assert not list((tmp_path / "work").glob("bench-300*")), "the warehouse is kept only on --keep"


def test_the_one_process_daily_run_is_compared_with_the_full_run(tmp_path):
    argv = [sys.executable, str(ROOT / "benchmarks" / "pipeline.py"), "--users", "300"]
    argv += ["--days", "3", "--one-process", "--daily", "--work", str(tmp_path / "work")]
    argv += ["--results", str(tmp_path)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    table = (tmp_path / "pipeline-300-one-process.md").read_text(encoding="utf-8")
    assert "| whole main job to " in table and "| daily run of " in table
    assert "Daily / full: " in table
    assert "| serving__published | " in table  # the steps, read from the run's own lines
    assert "| publish | " in table and "| ingest | " in table  # and summed by stage
    assert "| a new snapshot (every per-customer wealth figure changes) | " in table
    assert not list((tmp_path / "work").glob("one-300*")), "the warehouse is kept only on --keep"
