import pytest

from tests.security.support import Twin
from tests.support import AppDriver


@pytest.fixture
def driver(tmp_path):
    """A node on the default test genesis, the genesis block committed."""
    d = AppDriver(tmp_path / "db")
    d.block([])
    yield d
    d.close()


@pytest.fixture
def twin(tmp_path):
    t = Twin(tmp_path)
    yield t
    t.close()
