"""A device's own data: recorded experiments, their formats, and what can be learned from them.

* :func:`read_shots`, :func:`write_shots`: stim's result formats, sizes checked;
  :func:`detection_events_from_measurements`: measurements and sweep bits to detection events.
* :func:`find_experiments`, :class:`Experiment`: experiments in the layout of Google's
  releases (Willow, Zenodo 13273331; Sycamore 2022, Zenodo 6804040); :func:`write_experiment`
  writes a simulated one in that layout.
* :func:`learn_error_model`: every mechanism's probability learned from detection events,
  with jackknife intervals.
* :func:`detection_fractions`, :func:`flag_outliers`, :func:`qubit_error_ratios`,
  :func:`find_bursts`: what a device physicist reads first.
* :func:`decode_experiments`: every experiment decoded with every decoder against every error
  model, into the results database (resumable, parallel).
* :func:`simulated_device`, :func:`sample_with_bursts`: a non-uniform device hidden in a
  circuit, and its shots with cosmic-ray-like bursts, for validation without a download.
"""

from qec.datasets._decode import DecodeWork, decode_experiments, experiment_models
from qec.datasets._diagnostics import (
    BurstReport,
    DetectionFractions,
    QubitRatio,
    detection_fractions,
    find_bursts,
    flag_outliers,
    qubit_error_ratios,
)
from qec.datasets._formats import (
    FORMATS,
    detection_events_from_measurements,
    read_shots,
    write_shots,
)
from qec.datasets._layout import (
    Experiment,
    find_experiments,
    load_experiment,
    shape_circuit,
    write_experiment,
)
from qec.datasets._learn import LearnedModel, Mechanism, learn_error_model, model_structure
from qec.datasets._synthetic import SimulatedDevice, sample_with_bursts, simulated_device

__all__ = [
    "FORMATS",
    "BurstReport",
    "DecodeWork",
    "DetectionFractions",
    "Experiment",
    "LearnedModel",
    "Mechanism",
    "QubitRatio",
    "SimulatedDevice",
    "decode_experiments",
    "detection_events_from_measurements",
    "detection_fractions",
    "experiment_models",
    "find_bursts",
    "find_experiments",
    "flag_outliers",
    "learn_error_model",
    "load_experiment",
    "model_structure",
    "qubit_error_ratios",
    "read_shots",
    "sample_with_bursts",
    "shape_circuit",
    "simulated_device",
    "write_experiment",
    "write_shots",
]
