"""Named noise models: code capacity, phenomenological, SD6, SI1000 and stim's own knobs.

A :class:`NoiseModel` is a frozen set of per-operation error rates. The circuit generator
(:func:`qec.memory_circuit`) asks it which channels to append after each layer of gates, resets
and measurements; the model itself knows nothing about codes.

Definitions follow Gidney, Newman, Fowler, Broughton, "A fault-tolerant honeycomb memory"
(arXiv 2108.10457) for SD6 and Gidney, Newman, McEwen, "Benchmarking the planar honeycomb code"
(arXiv 2202.11845) for SI1000. In both, measurement noise only flips the reported result (no
depolarization after measurement): that is the variant implemented here.

The package's modules, bottom to top:

* ``_probability``: the check that every rate is a probability;
* ``_leakage``: :class:`LeakageModel` and its choices, :data:`PARTNER_ERRORS` and
  :data:`LEAKED_READOUTS`;
* ``_model``: :class:`NoiseModel` and its presets, :data:`NOISE_MODEL_NAMES` and
  :func:`canonical_noise_name`;
* ``_transforms``: the functions that rewrite a circuit's noise, :func:`add_noise` and
  :func:`scale_noise`.
"""

from __future__ import annotations

from qec.noise._leakage import LEAKED_READOUTS, PARTNER_ERRORS, LeakageModel
from qec.noise._model import NOISE_MODEL_NAMES, NoiseModel, canonical_noise_name
from qec.noise._transforms import add_noise, scale_noise

__all__ = [
    "LEAKED_READOUTS",
    "NOISE_MODEL_NAMES",
    "PARTNER_ERRORS",
    "LeakageModel",
    "NoiseModel",
    "add_noise",
    "canonical_noise_name",
    "scale_noise",
]
