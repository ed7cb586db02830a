"""The task of a memory experiment, built from a code, a noise model and a decoder name."""

from __future__ import annotations

from qec.circuits import memory_circuit
from qec.codes import code_from_name
from qec.data import Task
from qec.noise import NoiseModel

__all__ = ["memory_task"]


def memory_task(
    *,
    code: str,
    distance: int,
    rounds: int,
    basis: str,
    noise: str,
    p: float,
    decoder: str = "pymatching",
    leakage: float | None = None,
    leakage_removal: str = "none",
    removal_period: int = 1,
) -> Task:
    """The :class:`Task` of a memory experiment built by :func:`qec.memory_circuit`.

    With ``leakage`` the noise model gets :meth:`qec.NoiseModel.with_leakage` at that rate
    per qubit per two-qubit gate (other leakage parameters at their defaults), and the engine
    samples the task with :class:`qec.leakage.LeakageSampler`, decoding with ``decoder``
    (``"leakage-aware"`` for the herald-using decoder).

    Args:
        code: a code family name for :func:`qec.codes.code_from_name` (``"surface"``,
            ``"unrotated-surface"``, ``"repetition"``).
        distance: the code distance.
        rounds: rounds of stabilizer measurement.
        basis: ``"X"`` or ``"Z"``.
        noise: a noise model name for :meth:`qec.NoiseModel.from_name`.
        p: the physical error rate.
        decoder: the decoder name.
        leakage: leakage probability per qubit per two-qubit gate, or None for no leakage.
        leakage_removal: ``"none"``, ``"mlr"`` or ``"dqlr"`` (see :func:`qec.memory_circuit`).
        removal_period: rounds between DQLR steps.

    Returns:
        A task whose metadata holds all of the above under the standard keys (the leakage keys
        ``leakage``, ``leakage_removal`` and ``removal_period`` only when ``leakage`` is given).

    Raises:
        ValueError: for an invalid code, distance, rounds, basis, noise name, p or leakage
            option.

    Examples:
        >>> task = memory_task(code="repetition", distance=3, rounds=3, basis="Z",
        ...                    noise="sd6", p=0.01)
        >>> task.json_metadata["distance"], task.decoder
        (3, 'pymatching')
        >>> leaky = memory_task(code="surface", distance=3, rounds=3, basis="Z", noise="si1000",
        ...                     p=0.002, leakage=0.001, leakage_removal="dqlr")
        >>> leaky.json_metadata["leakage"], leaky.json_metadata["leakage_removal"]
        (0.001, 'dqlr')
    """
    model = NoiseModel.from_name(noise, p)
    if leakage is not None:
        model = model.with_leakage(leakage_per_gate=leakage)
    elif leakage_removal != "none" or removal_period != 1:
        raise ValueError(
            f"leakage_removal={leakage_removal!r} and removal_period={removal_period!r} need "
            "leakage: give leakage=RATE too")
    circuit = memory_circuit(
        code_from_name(code, distance=distance),
        rounds=rounds,
        basis=basis,
        noise=model,
        leakage_removal=leakage_removal,
        removal_period=removal_period,
    )
    metadata = {
        "code": code,
        "distance": distance,
        "rounds": rounds,
        "basis": basis,
        "noise": noise,
        "p": p,
        "decoder": decoder,
    }
    if leakage is not None:
        metadata.update(leakage=leakage, leakage_removal=leakage_removal,
                        removal_period=removal_period)
    return Task(circuit=circuit, decoder=decoder, json_metadata=metadata)
