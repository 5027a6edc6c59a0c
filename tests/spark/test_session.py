"""The local session is small, UTC and quiet, and says plainly when Java is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from wealthgraph.spark.session import java_binary, local_session

pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas")


def test_session_settings(spark):
    conf = spark.conf
    assert spark.sparkContext.master == "local[2]"
    assert conf.get("spark.sql.shuffle.partitions") == "4"
    assert conf.get("spark.sql.session.timeZone") == "UTC"
    assert spark.sparkContext.uiWebUrl is None  # no web UI
    assert local_session() is spark  # reused, not a second session


def test_a_job_prints_nothing_on_stdout(spark, capfd):
    capfd.readouterr()
    rows = spark.range(100).selectExpr("id % 3 as k").groupBy("k").count().collect()
    assert sorted(row["count"] for row in rows) == [33, 33, 34]
    assert capfd.readouterr().out == ""


def test_missing_java_is_one_clear_line(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))  # a folder without bin/java
    assert java_binary() is None
    with pytest.raises(RuntimeError, match=r"^Spark needs Java 17 or later: .*$"):
        local_session()
