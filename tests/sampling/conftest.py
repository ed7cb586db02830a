import pytest

from tests.sampling.sampling_circuits import repetition_task


@pytest.fixture
def tasks():
    return [repetition_task(p=0.03), repetition_task(p=0.08)]
