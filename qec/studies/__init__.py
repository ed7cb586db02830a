"""Studies built on the library: workflows that sample, analyse and draw in one go.

These are applications of the layers below (codes, circuits, decoders, sampling, analysis,
plotting); the command line runs them (``qec leakage``, ``qec bench-decoders``) and scripts in
``experiments/`` can call them directly.

* The DQLR leakage study (Miao et al. 2023): :class:`StudyConfig`, :func:`run_profiles`,
  :func:`sweep_tasks`, :func:`summarize_sweep`, :func:`plot_study`.
* Error budgets (score-function elasticities of the logical error to each noise component):
  :func:`estimate_budget`, :class:`BudgetEstimate`, :func:`budget_components`.
* The decoder benchmark: :func:`benchmark_decoders` and its writers
  :func:`benchmark_markdown`, :func:`benchmark_csv`, :func:`plot_benchmark`.

Examples:
    >>> from qec.studies import StudyConfig
    >>> StudyConfig().distance
    3
"""

from qec._lazy import lazy_attributes

# The members load on first use: the command line reads StudyConfig's defaults to build its
# parser, and the studies import the whole sampling and plotting stack.
_LAZY = {
    **dict.fromkeys(("DecoderBenchmarkRow", "benchmark_csv", "benchmark_decoders",
                     "benchmark_markdown", "plot_benchmark"), "qec.studies._decoder_benchmark"),
    **dict.fromkeys(("STRATEGIES", "SWEEP_VARIANTS", "detection_correlations", "plot_study",
                     "round_profile", "run_profiles", "summarize_sweep", "sweep_tasks"),
                    "qec.studies._dqlr"),
    "StudyConfig": "qec.studies._dqlr_config",
    **dict.fromkeys(("BudgetEstimate", "budget_components", "component_models",
                     "estimate_budget"), "qec.studies._budget"),
    **dict.fromkeys(("LeakageShare", "leakage_shares"), "qec.studies._leakage_share"),
}


__all__ = [
    "STRATEGIES",
    "SWEEP_VARIANTS",
    "BudgetEstimate",
    "DecoderBenchmarkRow",
    "LeakageShare",
    "StudyConfig",
    "benchmark_csv",
    "benchmark_decoders",
    "benchmark_markdown",
    "budget_components",
    "component_models",
    "detection_correlations",
    "estimate_budget",
    "leakage_shares",
    "plot_benchmark",
    "plot_study",
    "round_profile",
    "run_profiles",
    "summarize_sweep",
    "sweep_tasks",
]

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
