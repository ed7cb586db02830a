"""Multistate Bennett (MBAR) against the neighbour chain of Bennett ratios, on stored ladders.

Issue 28 asks whether MBAR over all rungs of a splitting ladder, instead of Bennett's
acceptance ratio between neighbouring rungs, makes the estimate cheaper. This reads every
complete ladder in a results database (``qec lowrate`` or ``bench_lowrate.py``), and for each
computes the chain part of ``ln P`` (from the first rung's scale down to the target) both ways
from the same stored samples:

* **BAR chain**: the sum of the neighbours' Bennett estimates, as the estimator does;
* **MBAR**: the multistate estimate of Shirts and Chodera (J. Chem. Phys. 129, 124105 (2008)),
  which uses every rung's samples for every ratio. Rung ``k`` samples the fault configurations
  that fail under the model scaled by ``s_k``, whose log-weight ratio to any other rung depends
  on the number of faults ``|E|`` alone, so the stored histograms over ``|E|`` are sufficient
  statistics and the binned estimate is exact (convex minimisation, :func:`mbar_log_z`).

Both get the same delete-one-group jackknife over the ladder's chain groups, deleting a group
from every rung at once (a group's chains go on from rung to rung, and each rung's samples
enter both neighbouring ratios, so the ratios of a group are correlated:
``experiments/ladder_covariance.py``). The ratio of the two jackknife variances is what MBAR
would save: the estimator's cost at a given interval is proportional to the variance.

    python experiments/ladder_mbar.py --db experiments/results/lowrate_bench.db
"""

from __future__ import annotations

import argparse
import json
import math

import numpy as np
import stim
from scipy.optimize import minimize
from scipy.special import logsumexp, softmax

from qec.data import jackknife_variance
from qec.decoders import detector_error_model_for_circuit
from qec.sampling._splitting import from_bytes
from qec.sampling._splitting_bar import _bar_log_ratio
from qec.sampling._splitting_kernel import ChainContext, MechanismModel
from qec.store import ResultStore


def mbar_log_z(histograms: list[np.ndarray], log_weights: list[np.ndarray],
               start_log_z: np.ndarray | None = None) -> np.ndarray:
    """``ln Z_k - ln Z_0`` for every rung by binned MBAR.

    Args:
        histograms: per rung, the counts of its samples by ``|E|`` (index = |E|).
        log_weights: per rung, ``u_k(|E|)``: the log-probability of a configuration with
            ``|E|`` faults under rung ``k``, up to a term common to all rungs.
        start_log_z: a first guess of the answer (the neighbours' Bennett chain).

    Examples:
        >>> # With two rungs, MBAR is Bennett's estimate.
        >>> a, b = np.array([0, 9, 20, 6, 1]), np.array([0, 2, 11, 14, 7])
        >>> faults = np.arange(5)
        >>> mbar = mbar_log_z([a, b], [faults * 0.0, faults * 0.7 - 0.9])[1]
        >>> bar = _bar_log_ratio(a, b, slope=0.7, offset=0.9)
        >>> bool(abs(mbar - bar) < 1e-6)
        True
    """
    size = max(len(h) for h in histograms)
    counts = np.zeros((len(histograms), size))
    u = np.zeros((len(histograms), size))
    for k, (h, w) in enumerate(zip(histograms, log_weights, strict=True)):
        counts[k, :len(h)] = h
        u[k, :len(w)] = w[:len(w)]
        if len(w) < size:
            raise ValueError("log_weights must cover every histogram's bins")
    pooled = counts.sum(axis=0)
    bins = pooled > 0
    pooled, u = pooled[bins], u[:, bins]
    n = counts.sum(axis=1)
    log_n = np.log(n)

    # f_k = -ln Z_k, f_0 = 0; the objective is convex in f, with this gradient and Hessian.
    def parts(free: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        f = np.concatenate(([0.0], free))
        a = log_n[:, None] + f[:, None] + u
        w = softmax(a, axis=0)
        value = float(pooled @ logsumexp(a, axis=0) - n @ f)
        gradient = (w * pooled).sum(axis=1) - n
        hessian = np.diag((w * pooled).sum(axis=1)) - (w * pooled) @ w.T
        return value, gradient[1:], hessian[1:, 1:]

    start = np.zeros(len(histograms) - 1) if start_log_z is None else -np.asarray(
        start_log_z, dtype=float)[1:]
    result = minimize(lambda x: parts(x)[0], start, jac=lambda x: parts(x)[1],
                      hess=lambda x: parts(x)[2], method="trust-exact",
                      options={"gtol": 1e-8 * float(n.min()), "maxiter": 500})
    if np.max(np.abs(parts(result.x)[1]) / n[1:]) > 1e-6:
        raise RuntimeError(f"MBAR did not converge: {result.message}")
    return -np.concatenate(([0.0], result.x))


def ladder(store: ResultStore, strong_id: str) -> tuple[list[np.ndarray], list[float], dict]:
    """The stored rungs of a ladder: per-group histograms, scales and the sums."""
    stored = store.read_checkpoints(strong_id)
    histograms, scales, sums = [], [], {}
    for level in sorted(stored):
        data = from_bytes(stored[level])
        info = json.loads(bytes(data["info"]).decode())
        if level == 0:
            sums["start"] = info["sums"]["log_estimate"]
        histograms.append(np.asarray(data["histograms"], dtype=np.int64))
        scales.append(float(info["scale"]))
        for key, value in info["sums"].items():
            sums[key] = sums.get(key, 0.0) + value
    return histograms, scales, sums


def chain_parts(histograms: list[np.ndarray], scales: list[float], model: MechanismModel,
                keep: np.ndarray) -> tuple[float, float]:
    """The chain part of ln P by the BAR chain and by MBAR, from the groups in ``keep``."""
    pooled = [h[keep].sum(axis=0) for h in histograms]
    size = max(len(h) for h in pooled)
    pooled = [np.pad(h, (0, size - len(h))) for h in pooled]
    chain = [0.0]
    for k in range(1, len(pooled)):
        slope = math.log(scales[k] / scales[k - 1])
        offset = model.log_partition(scales[k]) - model.log_partition(scales[k - 1])
        chain.append(chain[-1] + _bar_log_ratio(pooled[k - 1], pooled[k], slope=slope,
                                                offset=offset))
    faults = np.arange(size)
    weights = [faults * math.log(s) - model.log_partition(s) for s in scales]
    mbar = float(mbar_log_z(pooled, weights, start_log_z=np.asarray(chain))[-1])
    return chain[-1], mbar


def stored_model(circuit_text: str, metadata: dict, decoder: str) -> MechanismModel:
    """The mechanisms a stored ladder's chains ran on: restricted to what the decoder reads
    (``"model": "relevant"`` in its metadata), or, for ladders stored before that, all of the
    circuit's."""
    if metadata.get("splitting", {}).get("model") == "relevant":
        return ChainContext(circuit_text, decoder).model
    return MechanismModel.from_dem(detector_error_model_for_circuit(stim.Circuit(circuit_text)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="experiments/results/lowrate_bench.db")
    args = parser.parse_args()
    print("| noise | d | rungs | chain part: BAR chain (sd) | MBAR (sd) | variance ratio MBAR/BAR "
          "| stored chain part |")
    print("|---|---|---|---|---|---|---|")
    with ResultStore(args.db, read_only=True) as store:
        for stats in store.read_stats(estimator="splitting"):
            histograms, scales, sums = ladder(store, stats.strong_id)
            if sums.get("complete", 0.0) < 1 or len(histograms) < 3:
                continue
            model = stored_model(store.circuit_text(stats.strong_id), stats.json_metadata,
                                 stats.decoder)
            groups = histograms[0].shape[0]
            everyone = np.ones(groups, dtype=bool)
            bar, mbar = chain_parts(histograms, scales, model, everyone)
            replicates = []
            for g in range(groups):
                keep = everyone.copy()
                keep[g] = False
                replicates.append(chain_parts(histograms, scales, model, keep))
            bar_var = jackknife_variance([r[0] for r in replicates])
            mbar_var = jackknife_variance([r[1] for r in replicates])
            stored_chain = sums["log_estimate"] - sums["start"]
            meta = stats.json_metadata
            print(f"| {meta['noise']} | {meta['distance']} | {len(histograms)} | "
                  f"{bar:.4f} ({math.sqrt(bar_var):.4f}) | {mbar:.4f} "
                  f"({math.sqrt(mbar_var):.4f}) | {mbar_var / bar_var:.3f} | "
                  f"{stored_chain:.4f} |", flush=True)


if __name__ == "__main__":
    main()
