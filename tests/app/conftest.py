import pytest

from tests.support import AppDriver


@pytest.fixture
def driver(tmp_path):
    """An app on the default test genesis, with the genesis block committed (a module may define its own)."""
    d = AppDriver(tmp_path / "db")
    d.block([])
    yield d
    d.close()
