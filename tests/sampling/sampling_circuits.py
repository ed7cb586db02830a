"""Small circuits and tasks shared by the sampling tests (fast to sample and decode)."""

import stim

from qec.sampling import Task

# Three data qubits flipped independently with probability P, two parity checks, perfect
# measurement: matching fails exactly when two or three flips happen.
P = 0.1
THREE_QUBIT_ERROR_RATE = 3 * P**2 * (1 - P) + P**3


def three_qubit_circuit(p: float = P) -> stim.Circuit:
    return stim.Circuit(f"""
        X_ERROR({p}) 0 1 2
        M 0 1 2
        DETECTOR rec[-3] rec[-2]
        DETECTOR rec[-2] rec[-1]
        OBSERVABLE_INCLUDE(0) rec[-1]
    """)


def repetition_task(*, p: float = 0.05, distance: int = 3, decoder: str = "pymatching") -> Task:
    circuit = stim.Circuit.generated(
        "repetition_code:memory", distance=distance, rounds=distance,
        before_round_data_depolarization=p, before_measure_flip_probability=p)
    return Task(circuit=circuit, decoder=decoder,
                json_metadata={"code": "repetition", "distance": distance, "rounds": distance,
                               "p": p})
