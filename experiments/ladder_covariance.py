"""Why a splitting ladder's variance is about twice the sum of its rungs' variances.

Reads every ladder (complete or not) stored in results databases (``qec lowrate`` or
``bench_lowrate.py``) and prints, per ladder, from each stored rung's delete-one-group
jackknife replicates of its log-ratio and its per-group histograms of ``|E|``:

* the correlation over the chain groups of the jackknife replicates of ratios one, two and
  three rungs apart (averaged along the ladder);
* the correlation over the groups of the groups' mean ``|E|`` (minus the rung's mean) one and
  two rungs apart: what a group carrying its state down the ladder would make positive;
* the *inflation*: the variance over the groups of the summed replicates divided by the sum of
  the rungs' own variances over the groups.

A rung's samples enter the ratios with both neighbours with one sign, so neighbouring ratios
correlate by about +0.5 and the inflation is about 2, while the groups' states need not be
correlated from rung to rung at all.

    python experiments/ladder_covariance.py experiments/results/lowrate_*.db
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from qec.sampling._splitting_kernel import from_bytes
from qec.store import ResultStore


def mean_correlation(rows: np.ndarray, lag: int) -> float:
    """The mean over ``k`` of the correlation of ``rows[k]`` with ``rows[k + lag]``.

    Examples:
        >>> rows = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.1], [3.0, 1.0, 2.0]])
        >>> round(mean_correlation(rows, 1), 3)  # (+1.000 - 0.488) / 2
        0.256
    """
    pairs = [np.corrcoef(rows[k], rows[k + lag])[0, 1] for k in range(len(rows) - lag)]
    return float(np.mean(pairs)) if pairs else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", nargs="+", help="results databases with splitting ladders")
    args = parser.parse_args()
    print("| database | task | ratios | replicates, lag 1 / 2 / 3 | group mean |E|, lag 1 / 2 "
          "| inflation |")
    print("|---|---|---|---|---|---|")
    for path in args.db:
        with ResultStore(path, read_only=True) as store:
            ladders = [(stats.json_metadata, store.read_checkpoints(stats.strong_id))
                       for stats in store.read_stats(estimator="splitting")]
        for meta, stored in ladders:
            replicates, deviations = [], []
            for level in sorted(stored):
                arrays = from_bytes(stored[level])
                info = json.loads(bytes(arrays["info"]).decode())
                groups = sorted((k for k in info["sums"] if k.startswith("jk_")),
                                key=lambda k: int(k[3:]))
                replicates.append([info["sums"][k] for k in groups])
                histograms = arrays["histograms"].astype(float)
                means = histograms @ np.arange(histograms.shape[1]) / histograms.sum(axis=1)
                deviations.append(means - means.mean())
            ratios = np.asarray(replicates[1:])  # the start's replicates are all alike
            if len(ratios) < 4:
                continue
            ratios = ratios - ratios.mean(axis=1, keepdims=True)
            inflation = ratios.sum(axis=0).var() / ratios.var(axis=1).sum()
            seed = meta["splitting"]["seed"]
            name = f"{meta.get('noise')} d = {meta.get('distance')}, seed {seed}"
            lags = " / ".join(f"{mean_correlation(ratios, lag):+.2f}" for lag in (1, 2, 3))
            states = " / ".join(f"{mean_correlation(np.asarray(deviations), lag):+.2f}"
                                for lag in (1, 2))
            print(f"| {path.split('/')[-1]} | {name} | {len(ratios)} | {lags} | {states} | "
                  f"{inflation:.2f} |")


if __name__ == "__main__":
    main()
