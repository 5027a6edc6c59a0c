"""One run of the whole pipeline over the committed sample, shared by the mart tests."""

from __future__ import annotations

import duckdb
import pytest

from tests.conftest import SAMPLE
from wealthgraph.run import failed_checks, failures, materialize_range
from wealthgraph.settings import Settings


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Settings:
    settings = Settings(landing=SAMPLE, database=tmp_path_factory.mktemp("wh") / "sample.duckdb")
    result = materialize_range(settings)
    assert result.success, failures(result)
    assert failed_checks(result) == []
    return settings


@pytest.fixture
def con(sample_warehouse):
    connection = duckdb.connect(str(sample_warehouse.database), read_only=True)
    yield connection
    connection.close()
