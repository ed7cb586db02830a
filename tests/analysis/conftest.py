import numpy as np
import pytest

from qec.analysis import Point
from tests.analysis.synthetic import synthetic_sweep


@pytest.fixture
def sweep() -> list[Point]:
    return synthetic_sweep(threshold=0.1, nu=1.5, distances=(3, 5, 7), shots=20_000, seed=7,
                           ps=np.linspace(0.09, 0.11, 7))
