"""Independent estimates to check an error budget against: direct sampling, finite differences.

:func:`measure_shot_error` measures the logical error per shot by direct Monte Carlo (with the
decoder optionally compiled for another model, as the budget keeps it), and
:func:`finite_difference_elasticity` measures one elasticity by a central finite difference
on paired shots (common random numbers, by thinning). Neither uses the score function of
:mod:`qec.studies._budget`, which is what makes them checks of it: ``qec budget --scale``
compares its prediction with :func:`measure_shot_error`, and the tests and
``experiments/validate_budget.py`` compare elasticities with both.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qec._validate import int_at_least
from qec.circuits import memory_circuit
from qec.codes import StabilizerCode
from qec.decoders import detector_error_model_for_circuit, resolve_decoder
from qec.noise import NoiseModel
from qec.studies._budget import _mechanisms, _union_model, budget_components, scaled_noise

__all__ = ["finite_difference_elasticity", "measure_shot_error"]


def measure_shot_error(code: StabilizerCode, *, rounds: int, basis: str, noise: NoiseModel,
                       decoder: str, shots: int, seed: int,
                       decoder_noise: NoiseModel | None = None, **circuit_options: Any
                       ) -> tuple[int, int]:
    """Direct Monte Carlo: (errors, shots) of the memory under ``noise``.

    The decoder is compiled for ``decoder_noise`` when given (for example the unscaled model,
    so that a finite difference keeps the decoder fixed, as the budget's elasticities do),
    else for ``noise``; both must give circuits of the same shape.

    Examples:
        >>> from qec.codes import RepetitionCode
        >>> errors, shots = measure_shot_error(RepetitionCode(distance=3), rounds=1, basis="Z",
        ...     noise=NoiseModel.code_capacity(0.1), decoder="pymatching", shots=1000, seed=1)
        >>> shots, 10 < errors < 60
        (1000, True)
    """
    shots = int_at_least("shots", shots, 1)
    circuit = memory_circuit(code, rounds=rounds, basis=basis, noise=noise, **circuit_options)
    model = circuit if decoder_noise is None else memory_circuit(
        code, rounds=rounds, basis=basis, noise=decoder_noise, **circuit_options)
    compiled = resolve_decoder(decoder).compile_decoder_for_dem(
        dem=detector_error_model_for_circuit(model))
    dets, obs = circuit.compile_detector_sampler(seed=seed).sample(
        shots, separate_observables=True, bit_packed=True)
    predicted = compiled.decode_shots_bit_packed(bit_packed_detection_event_data=dets)
    return int(np.count_nonzero(np.any(predicted != obs, axis=1))), shots


def finite_difference_elasticity(code: StabilizerCode, *, rounds: int, basis: str,
                                 noise: NoiseModel, component: str, step: float = 0.2,
                                 decoder: str = "pymatching", shots: int, seed: int = 0,
                                 batch_size: int = 10_000, **circuit_options: Any
                                 ) -> tuple[float, float]:
    """One elasticity by a central finite difference with common random numbers.

    The error per shot is measured with ``component`` scaled by ``1 + step`` and by
    ``1 - step`` on the *same* shots: each shot is sampled at the larger rate (with its fired
    mechanisms), and the smaller-rate shot is the same one with each fired mechanism of the
    component kept with probability ``q_j(1 - step) / q_j(1 + step)`` (an exact coupling, by
    thinning). The two failure indicators are then strongly correlated, and the difference of
    their logarithms is far less noisy than with independent runs. The decoder stays the one
    compiled for the unscaled model, as in :func:`estimate_budget`.

    Returns:
        ``(elasticity, standard error)`` of ``d ln P / d ln s`` (delta method, with the
        covariance of the paired shots).

    Raises:
        ValueError: an unknown component, a step outside (0, 1), no failure at either end.

    Examples:
        >>> from qec.codes import RepetitionCode
        >>> value, error = finite_difference_elasticity(
        ...     RepetitionCode(distance=3), rounds=1, basis="Z",
        ...     noise=NoiseModel.code_capacity(0.1), component="before_round_data_flip",
        ...     step=0.2, shots=50_000, seed=2)
        >>> abs(value - 1.93) < 4 * error < 0.4   # exact difference quotient: 1.93
        True
    """
    components = budget_components(noise)
    if component not in components:
        raise ValueError(f"component={component!r} must be one of {', '.join(components)}")
    if not 0 < step < 1:
        raise ValueError(f"step={step!r} must be in (0, 1)")
    shots = int_at_least("shots", shots, 1)
    batch_size = int_at_least("batch_size", batch_size, 1)
    circuit = memory_circuit(code, rounds=rounds, basis=basis, noise=noise, **circuit_options)
    high = scaled_noise(noise, {component: 1 + step})
    low = scaled_noise(noise, {component: 1 - step})
    targets, q_high, _, owner = _mechanisms(code, rounds=rounds, basis=basis, noise=high,
                                            components=components,
                                            circuit_options=circuit_options)
    _, q_low, _, _ = _mechanisms(code, rounds=rounds, basis=basis, noise=low,
                                 components=components, circuit_options=circuit_options)
    index = components.index(component)
    keep = np.ones(len(q_high))
    mine = owner == index
    keep[mine] = np.divide(q_low[mine], q_high[mine], out=np.zeros(int(mine.sum())),
                           where=q_high[mine] > 0)
    union = _union_model(targets, q_high, circuit)
    n_det, n_obs = circuit.num_detectors, circuit.num_observables
    flips = np.zeros((len(targets), n_det + n_obs), dtype=np.uint8)
    for j, t in enumerate(targets):
        for target in t:
            if target.is_relative_detector_id():
                flips[j, target.val] ^= 1
            elif target.is_logical_observable_id():
                flips[j, n_det + target.val] ^= 1
    compiled = resolve_decoder(decoder).compile_decoder_for_dem(
        dem=detector_error_model_for_circuit(circuit))
    sampler = union.compile_sampler(seed=seed)
    rng = np.random.default_rng(seed)
    fail_high = fail_low = fail_both = 0
    done = 0
    while done < shots:
        size = min(batch_size, shots - done)
        dets, obs, errs = sampler.sample(shots=size, return_errors=True, bit_packed=False)
        rows, cols = np.nonzero(errs[:, mine])
        cols = np.nonzero(mine)[0][cols]
        dropped = rng.random(len(cols)) >= keep[cols]
        both = np.concatenate([dets, obs], axis=1).astype(np.uint8)
        thinned = both.copy()
        np.bitwise_xor.at(thinned, rows[dropped], flips[cols[dropped]])
        results = []
        for table in (both, thinned):
            predicted = compiled.decode_shots_bit_packed(
                bit_packed_detection_event_data=np.packbits(table[:, :n_det], axis=1,
                                                            bitorder="little"))
            actual = np.packbits(table[:, n_det:], axis=1, bitorder="little")
            results.append(np.any(predicted != actual, axis=1))
        fail_high += int(results[0].sum())
        fail_low += int(results[1].sum())
        fail_both += int((results[0] & results[1]).sum())
        done += size
    if fail_high == 0 or fail_low == 0:
        raise ValueError(f"no failure at one end of the difference ({fail_high} and {fail_low} "
                         f"in {shots} shots): sample more shots")
    p_high, p_low = fail_high / shots, fail_low / shots
    covariance = fail_both / shots - p_high * p_low
    variance = ((p_high * (1 - p_high)) / p_high ** 2 + (p_low * (1 - p_low)) / p_low ** 2
                - 2 * covariance / (p_high * p_low)) / shots
    width = math.log(1 + step) - math.log(1 - step)
    return ((math.log(p_high) - math.log(p_low)) / width,
            math.sqrt(max(variance, 0.0)) / width)
