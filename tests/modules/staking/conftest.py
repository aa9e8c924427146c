import pytest

from tests.modules.staking.helpers import staking_hooks_detached


@pytest.fixture(autouse=True)
def _staking_alone():
    with staking_hooks_detached():
        yield
