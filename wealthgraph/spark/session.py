"""A quiet local Spark session: the same jobs a cluster would run, on this machine's cores."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

LOG4J2 = Path(__file__).with_name("log4j2.properties")


def java_binary() -> str | None:
    """The ``java`` Spark will start: ``$JAVA_HOME/bin/java`` when set (Spark's own rule),
    else the first on ``PATH``; None when there is neither."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = Path(home) / "bin" / "java"
        return str(candidate) if candidate.is_file() else None
    return shutil.which("java")


def local_session(
    cores: int = 2,
    app: str = "wealthgraph",
    driver_memory: str = "1g",
    java_options: tuple[str, ...] = (),
) -> SparkSession:
    """A ``local[cores]`` SparkSession, or the one already running in this process.

    No web UI and no console progress bars (nobody looks at them in tests or batch runs),
    ``2 * cores`` shuffle partitions (Spark's default of 200 would spend most of a small job
    scheduling empty tasks), timestamps read and written in UTC (the landing files carry no
    zone, so the machine's zone must not shift them), Spark's Java log at ERROR on stderr
    from the first line, and a temporary checkpoint folder for iterative jobs. Static settings
    only take effect when this call starts the session; a session another caller started is
    returned as it is (given a checkpoint folder if it has none). ``java_options`` go to the
    JVM's command line as well (tests pass ones that start faster, see tests/spark/conftest.py).
    """
    if cores < 1:
        raise ValueError(f"cores must be at least 1, not {cores}")
    if java_binary() is None:
        raise RuntimeError(
            "Spark needs Java 17 or later: no java on PATH and JAVA_HOME does not point to one"
        )
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:  # the optional dependency group is not installed
        raise RuntimeError(
            "pyspark is not installed: install the 'spark' dependency group (uv sync)"
        ) from error

    jvm_options = " ".join(
        [
            f"-Dlog4j2.configurationFile={LOG4J2.as_uri()}",
            # MLlib's BLAS and LAPACK try a system libblas first and, where there is none (as in
            # a slim container), print dlopen errors from native code, past any log setting;
            # a local session's matrices are small enough for the pure-Java (vectorised) ones
            "-Ddev.ludovic.netlib.blas.allowNative=false",
            "-Ddev.ludovic.netlib.lapack.allowNative=false",
            *java_options,
        ]
    )
    session = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", driver_memory)
        .config("spark.driver.extraJavaOptions", jvm_options)
        # a laptop or CI box may have no resolvable hostname; local mode needs none
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", str(2 * cores))
        .config("spark.default.parallelism", str(2 * cores))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        # checkpoint files of an RDD go when the RDD does, not only when Python exits
        .config("spark.cleaner.referenceTracking.cleanCheckpoints", "true")
        # Python workers must import this venv's pyspark, not whatever python3 is on PATH
        .config("spark.pyspark.python", sys.executable)
        .config("spark.pyspark.driver.python", sys.executable)
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    if session.sparkContext.getCheckpointDir() is None:
        # iterative jobs (MLlib's ALS) grow a lineage per iteration and, past a few dozen,
        # overflow the stack deserialising a task, taking the context down; with a checkpoint
        # folder they cut it every few iterations. Local scratch, removed when Python exits.
        folder = tempfile.mkdtemp(prefix="wealthgraph-spark-checkpoints-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        session.sparkContext.setCheckpointDir(folder)
    return session
