"""qec: quantum error-correction experiments on stim, PyMatching and sinter.

Codes and their stim memory circuits under named noise models, decoders behind sinter's
``Decoder`` protocol, durable adaptive sampling, threshold and Lambda analysis, and
leakage simulation with multi-level reset and data-qubit leakage removal.
"""

__version__ = "0.1.0"
