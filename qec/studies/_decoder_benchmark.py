"""Accuracy and latency of every decoder on the same sampled detection events."""

from __future__ import annotations

import csv
import dataclasses
import io
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sinter
import stim

from qec._validate import positive_int
from qec.analysis import binomial_interval, per_round_error
from qec.circuits import memory_circuit
from qec.codes import code_from_spec, parse_code_spec, spec_metadata
from qec.data import Task
from qec.decoders import check_decoder, decoder_names, detector_error_model_for_circuit, get_decoder
from qec.noise import NoiseModel


@dataclasses.dataclass(frozen=True)
class DecoderBenchmarkRow:
    """One decoder on one circuit: accuracy with its interval, and decode latency.

    Attributes:
        decoder: the decoder name.
        distance, rounds, p: the circuit (a memory of ``code``, SI1000 noise by default).
        noise: the noise model name.
        shots: shots decoded; a prefix of the shots every decoder sees (0 if skipped).
        errors: shots whose predicted observables were wrong.
        error_per_round, error_per_round_low, error_per_round_high: logical error per round
            of all ``observables`` together (a shot fails when any is wrong), with its binomial
            (likelihood-ratio, 95%) interval mapped through :func:`qec.data.per_round_error`
            (``P = (1 - (1 - 2 e)^rounds) / 2`` for one observable).
        latency_mean_us, latency_p50_us, latency_p99_us: per-shot latency in microseconds,
            decoding shots one at a time through the compiled decoder.
        batch_us_per_shot: wall time of decoding the whole batch at once, per shot.
        compile_seconds: time to compile the decoder for the model.
        pymatching_errors: errors PyMatching made on exactly the same ``shots`` shots (a paired
            reference), or None when PyMatching was not benchmarked, this row was skipped, or
            PyMatching stopped (``max_errors``, time budget) before this row's last shot.
        note: why the decoder was skipped or decoded only some shots ('' otherwise).
        code: the code's spec (``"surface"``, ``"bb:n=144"``, ...).
        observables: the number of logical observables (k) of the memory.
    """

    decoder: str
    distance: int
    rounds: int
    p: float
    noise: str
    shots: int
    errors: int
    error_per_round: float
    error_per_round_low: float
    error_per_round_high: float
    latency_mean_us: float
    latency_p50_us: float
    latency_p99_us: float
    batch_us_per_shot: float
    compile_seconds: float
    pymatching_errors: int | None = None
    note: str = ""
    code: str = "surface"
    observables: int = 1

    @property
    def skipped(self) -> bool:
        """Whether the decoder did not run on this circuit (see ``note``)."""
        return self.shots == 0


def benchmark_decoders(
    *,
    code: str = "surface",
    distances: Sequence[int] = (3, 5, 7),
    rounds: int | None = None,
    physical_error_rates: Sequence[float] = (0.003, 0.005, 0.007, 0.01),
    decoders: Sequence[str] | None = None,
    noise: str = "si1000",
    shots: int = 20_000,
    latency_shots: int = 500,
    time_budget_seconds: float = 30.0,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    cycle: str | None = None,
    detectors: str | None = None,
    boundary: str = "noisy",
    db: Any = None,
    max_errors: int | None = None,
) -> list[DecoderBenchmarkRow]:
    """Runs every decoder on the same sampled detection events and measures accuracy and latency.

    For each distance ``d`` and rate ``p``: builds ``qec.memory_circuit`` of ``code`` (a spec:
    ``"surface"`` and the other families that take a distance are built at each of
    ``distances``; a fixed code like ``"bb:144"`` once, at its own distance), with ``rounds``
    rounds (default: the distance), basis Z and the named noise model, samples ``shots`` shots
    once with
    ``seed``, and gives the same detection events to every decoder. Per decoder: compile once,
    time ``latency_shots`` shots decoded one at a time (per-shot latency: mean, p50, p99), then
    decode the batch in chunks (throughput, accuracy). A decoder whose batch would exceed
    ``time_budget_seconds`` stops after the chunks that fit and reports that prefix of the
    shots, saying so in ``note``; so does a decoder that reaches ``max_errors`` logical errors
    (after the chunk in which it does, so every decoder's shots are a prefix of the same
    sample). A decoder that cannot take the model (the exact decoder above its table limit) is
    skipped, with the reason in ``note``.

    Args:
        code: a code spec (``qec.codes.code_from_spec``), default the rotated surface code.
        distances: code distances (for a family that takes one).
        rounds: rounds per shot (default: the code distance).
        physical_error_rates: noise strengths ``p``.
        decoders: registry names (default: all registered).
        noise: a ``qec.NoiseModel.from_name`` name.
        shots: shots sampled per circuit.
        latency_shots: shots decoded one at a time for the latency percentiles.
        time_budget_seconds: rough cap on the batch decoding time per decoder and circuit.
        seed: the sampler seed (circuit ``i`` uses ``seed + i``).
        progress: called with lines of text, when given: two as a decoder starts (compiled;
            timed one shot at a time), one after each chunk of its batch once
            ``PROGRESS_SECONDS`` of batch decoding have passed since the last (a chunk is
            about a tenth of ``time_budget_seconds``), and one when it finishes.
        cycle: the syndrome cycle of ``qec.memory_circuit`` (``"overlapped"``: Bravyi et
            al.'s depth-8 cycle for bivariate bicycle codes; None: the code's default).
        detectors: ``"all"`` or ``"basis"`` (only the memory basis' detectors); None: the
            code's default.
        boundary: ``"noisy"`` or ``"authors"`` (Bravyi et al.'s perfect start and noiseless
            final cycles, the logicals of both types observed; see ``qec.memory_circuit``).
        db: a results database path or open :class:`qec.store.ResultStore` (created if
            missing): each (circuit, decoder) row is committed as it completes (its shots and
            errors as a point, its timings and its per-shot outcome with it), and a re-run with
            the same arguments keeps the rows stored and measures only the others.
        max_errors: stop each decoder once it has this many logical errors (None: decode
            every shot the budget allows). With many ``shots``, every decoder then gets about
            this many errors where its speed allows, fast decoders without wasted shots.

    Returns:
        One row per (distance, p, decoder), in that order.

    Raises:
        ValueError: an unknown decoder name or a bad parameter.

    Examples:
        >>> rows = benchmark_decoders(distances=[3], physical_error_rates=[0.005],
        ...                           decoders=["pymatching"], shots=200, latency_shots=10)
        >>> (rows[0].decoder, rows[0].distance, rows[0].shots)
        ('pymatching', 3, 200)
    """

    names = list(decoder_names() if decoders is None else decoders)
    for name in names:
        get_decoder(name)  # unknown names fail before any sampling
    if shots < 1:
        raise ValueError(f"shots={shots} must be a positive integer")
    if latency_shots < 1:
        raise ValueError(f"latency_shots={latency_shots} must be a positive integer")
    if time_budget_seconds <= 0:
        raise ValueError(f"time_budget_seconds={time_budget_seconds} must be positive")
    if max_errors is not None:
        max_errors = positive_int("max_errors", max_errors)

    family, params = parse_code_spec(code)
    if family.takes_distance and "distance" not in params:
        codes = [code_from_spec(code, distance=d) for d in distances]
    else:
        codes = [code_from_spec(code)]
    label, _ = spec_metadata(code)  # the canonical name, with every parameter but distance
    rows: list[DecoderBenchmarkRow] = []
    circuit_index = 0
    store, owns = _open_store(db)
    try:
        for code_object in codes:
            distance = int(code_object.distance or 0)
            code_rounds = rounds if rounds is not None else max(distance, 1)
            for p in physical_error_rates:
                circuit = memory_circuit(
                    code_object,
                    rounds=code_rounds,
                    basis="Z",
                    noise=NoiseModel.from_name(noise, p),
                    cycle=cycle,
                    detectors=detectors,
                    boundary=boundary,
                )
                dem = detector_error_model_for_circuit(circuit)
                sampler = circuit.compile_detector_sampler(seed=seed + circuit_index)
                circuit_index += 1
                dets, obs = sampler.sample(shots, separate_observables=True, bit_packed=True)
                circuit_rows: list[tuple[DecoderBenchmarkRow, np.ndarray]] = []
                for name in names:
                    task = Task(circuit=circuit, decoder=name, json_metadata={
                        "code": label, "distance": distance, "rounds": code_rounds, "basis": "Z",
                        "noise": noise, "p": float(p), "decoder": name,
                        "benchmark": {"shots": shots, "latency_shots": latency_shots,
                                      "time_budget_seconds": time_budget_seconds,
                                      "seed": seed + circuit_index - 1,
                                      **({} if max_errors is None
                                         else {"max_errors": max_errors})},
                        **({} if boundary == "noisy" else {"boundary": boundary})})
                    stored = None if store is None else _stored_row(store, task)
                    if stored is not None:
                        circuit_rows.append(stored)
                        if progress is not None:
                            progress(_progress_line(stored[0]) + " (stored)")
                        continue
                    row, wrong = _benchmark_one(
                        name=name,
                        dem=dem,
                        dets=dets,
                        obs=obs,
                        distance=distance,
                        rounds=code_rounds,
                        code=label,
                        observables=circuit.num_observables,
                        p=p,
                        noise=noise,
                        latency_shots=latency_shots,
                        time_budget_seconds=time_budget_seconds,
                        max_errors=max_errors,
                        progress=progress,
                        binomial_interval=binomial_interval,
                        per_round_error=per_round_error,
                    )
                    circuit_rows.append((row, wrong))
                    if store is not None:
                        _store_row(store, task, row, wrong)
                    if progress is not None:
                        progress(_progress_line(row))
                reference = next((w for r, w in circuit_rows if r.decoder == "pymatching"), None)
                for row, _ in circuit_rows:
                    # Paired only where PyMatching decoded every one of the row's shots (with
                    # max_errors or a time budget, it may have stopped before them).
                    if reference is not None and not row.skipped and len(reference) >= row.shots:
                        paired = int(np.count_nonzero(reference[: row.shots]))
                        row = dataclasses.replace(row, pymatching_errors=paired)
                    rows.append(row)
    finally:
        if owns:
            store.close()
    return rows


def _benchmark_one(
    *,
    name: str,
    dem: stim.DetectorErrorModel,
    dets: np.ndarray,
    obs: np.ndarray,
    distance: int,
    rounds: int,
    code: str,
    observables: int,
    p: float,
    noise: str,
    latency_shots: int,
    time_budget_seconds: float,
    max_errors: int | None,
    binomial_interval,
    per_round_error,
    progress: Callable[[str], None] | None = None,
) -> tuple[DecoderBenchmarkRow, np.ndarray]:
    nan = float("nan")
    skipped = DecoderBenchmarkRow(
        decoder=name, distance=distance, rounds=rounds, p=p, noise=noise, shots=0, errors=0,
        error_per_round=nan, error_per_round_low=nan, error_per_round_high=nan,
        latency_mean_us=nan, latency_p50_us=nan, latency_p99_us=nan, batch_us_per_shot=nan,
        compile_seconds=nan, code=code, observables=observables,
    )  # fmt: skip
    decoder: sinter.Decoder = get_decoder(name)
    try:
        check_decoder(decoder, dem=dem)
    except (ValueError, ImportError) as exc:
        note = f"skipped: {_first_clause(str(exc))}"
        return dataclasses.replace(skipped, note=note), np.zeros(0, dtype=bool)

    start = time.perf_counter()
    compiled = decoder.compile_decoder_for_dem(dem=dem)
    compile_seconds = time.perf_counter() - start

    head = f"d={distance} p={p:g} {name}:"
    # Per-shot latency: one shot at a time, as a real-time decoder would see them.
    count = min(latency_shots, dets.shape[0])
    if progress is not None:
        progress(f"{head} compiled in {compile_seconds:.3g} s; decoding {count} shots one at "
                 "a time")
    latencies = np.empty(count, dtype=np.float64)
    for index in range(count):
        one = dets[index : index + 1]
        tick = time.perf_counter_ns()
        compiled.decode_shots_bit_packed(bit_packed_detection_event_data=one)
        latencies[index] = (time.perf_counter_ns() - tick) / 1000
    # Size chunks from the measured latency (about ten per budget), decode until the budget.
    total = dets.shape[0]
    affordable = time_budget_seconds * 1e6 / max(float(latencies.mean()), 0.01)
    chunk = max(1, min(total, int(affordable / 10)))
    # With max_errors, chunks start small and then aim at the shots still missing by the rate
    # seen so far (halved, below), so a decoder stops close to the goal, not a chunk past it.
    step = chunk if max_errors is None else min(chunk, 64)
    wrongs = []
    decoded = errors = 0
    batch_seconds = 0.0
    reported = 0.0  # batch seconds at the last progress line
    if progress is not None:
        goal = "" if max_errors is None else f" or {max_errors} errors"
        progress(f"{head} {latencies.mean():.3g} us/shot one at a time; batch of up to "
                 f"{total} shots{goal} in {time_budget_seconds:g} s")
    while (decoded < total and batch_seconds < time_budget_seconds
           and (max_errors is None or errors < max_errors)):
        part = np.ascontiguousarray(dets[decoded : decoded + step])
        tick = time.perf_counter()
        predicted = compiled.decode_shots_bit_packed(bit_packed_detection_event_data=part)
        batch_seconds += time.perf_counter() - tick
        wrongs.append(np.any(predicted != obs[decoded : decoded + part.shape[0]], axis=1))
        errors += int(np.count_nonzero(wrongs[-1]))
        decoded += part.shape[0]
        if max_errors is not None:
            # Half the shots the rate so far says are missing: a rate read off a few errors
            # is noisy (1 error in 192 shots once sent one chunk of 17,000 to 166 errors).
            missing = (max_errors - errors) * decoded / errors / 2 if errors else 2 * decoded
            step = int(min(chunk, max(16, np.ceil(missing))))
        if progress is not None and batch_seconds - reported >= PROGRESS_SECONDS:
            reported = batch_seconds
            progress(f"{head} {errors}/{decoded} errors after {batch_seconds:.0f} s of batch")
    wrong = np.concatenate(wrongs)
    interval = binomial_interval(errors=errors, shots=decoded)
    note = ""
    if decoded < total and max_errors is not None and errors >= max_errors:
        note = f"{decoded} of {total} shots: {max_errors} errors reached"
    elif decoded < total:
        note = f"{decoded} of {total} shots: batch time budget {time_budget_seconds:g} s reached"
    row = dataclasses.replace(
        skipped,
        shots=decoded,
        errors=errors,
        error_per_round=per_round_error(interval.estimate, rounds=rounds, values=observables),
        error_per_round_low=per_round_error(interval.low, rounds=rounds, values=observables),
        error_per_round_high=per_round_error(interval.high, rounds=rounds, values=observables),
        latency_mean_us=float(latencies.mean()),
        latency_p50_us=float(np.percentile(latencies, 50)),
        latency_p99_us=float(np.percentile(latencies, 99)),
        batch_us_per_shot=1e6 * batch_seconds / decoded,
        compile_seconds=compile_seconds,
        note=note,
    )
    return row, wrong


#: Seconds of batch decoding between a decoder's progress lines.
PROGRESS_SECONDS = 30.0


def _open_store(db: Any) -> tuple[Any, bool]:
    from qec.store import ResultStore

    if db is None or isinstance(db, ResultStore):
        return db, False
    return ResultStore(db, create=True), True


_TIMINGS = ("latency_mean_us", "latency_p50_us", "latency_p99_us", "batch_us_per_shot",
            "compile_seconds", "error_per_round", "error_per_round_low", "error_per_round_high")


def _store_row(store: Any, task: Task, row: DecoderBenchmarkRow, wrong: np.ndarray) -> None:
    """Commits one row: its shots and errors as the task's statistics, its timings as float
    sums, and its per-shot outcome (for the paired comparison) in the checkpoint."""
    from qec.sampling._splitting_kernel import to_bytes

    store.add_task(task)
    sums = {name: float(getattr(row, name)) for name in _TIMINGS}
    checkpoint = to_bytes({"wrong": np.packbits(wrong), "count": np.array(wrong.size),
                           "note": np.array(row.note)})
    store.save_level(task.strong_id, level=0, seed=None, shots=row.shots, errors=row.errors,
                     seconds=0.0, sums=sums, custom_counts=None, checkpoint=checkpoint)


def _stored_row(store: Any, task: Task) -> tuple[DecoderBenchmarkRow, np.ndarray] | None:
    """The row of an earlier run, or None."""
    from qec.sampling._splitting_kernel import from_bytes

    checkpoints = store.read_checkpoints(task.strong_id)
    if 0 not in checkpoints:
        return None
    shots, errors, sums = store.level_rows(task.strong_id)[0]
    arrays = from_bytes(checkpoints[0])
    wrong = np.unpackbits(arrays["wrong"], count=int(arrays["count"])).astype(bool)
    meta = task.json_metadata
    row = DecoderBenchmarkRow(
        decoder=task.decoder, distance=meta["distance"], rounds=meta["rounds"], p=meta["p"],
        noise=meta["noise"], shots=shots, errors=errors, note=str(arrays["note"]),
        code=meta["code"], observables=task.circuit.num_observables,
        **{name: float(sums[name]) for name in _TIMINGS})
    return row, wrong


def _first_clause(message: str) -> str:
    return message.split(";")[0].splitlines()[0]


def _progress_line(row: DecoderBenchmarkRow) -> str:
    head = f"d={row.distance} p={row.p:g} {row.decoder}:"
    if row.skipped:
        return f"{head} {row.note}"
    return (
        f"{head} {row.errors}/{row.shots} errors, {row.error_per_round:.2e} per round, "
        f"{row.latency_mean_us:.3g} us/shot one at a time, "
        f"{row.batch_us_per_shot:.3g} us/shot in a batch"
    )


_COLUMNS = (
    "decoder", "distance", "rounds", "p", "noise", "shots", "errors", "error_per_round",
    "error_per_round_low", "error_per_round_high", "latency_mean_us", "latency_p50_us",
    "latency_p99_us", "batch_us_per_shot", "compile_seconds", "pymatching_errors", "note",
    "code", "observables",
)  # fmt: skip


def benchmark_csv(rows: Sequence[DecoderBenchmarkRow]) -> str:
    """The rows as CSV text, one column per field of ``DecoderBenchmarkRow``.

    Examples:
        >>> benchmark_csv([]).splitlines()[0].split(",")[:3]
        ['decoder', 'distance', 'rounds']
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_COLUMNS)
    for row in rows:
        writer.writerow([getattr(row, column) for column in _COLUMNS])
    return out.getvalue()


def benchmark_markdown(rows: Sequence[DecoderBenchmarkRow]) -> str:
    """The rows as a markdown table, with accuracy and latency ratios to PyMatching.

    ``errors / pymatching`` is the ratio of error counts on exactly the same shots (a paired
    comparison, also when a slow decoder only decoded a prefix); ``latency / pymatching``
    divides mean per-shot latencies on the same circuit.

    Examples:
        >>> print(benchmark_markdown([]).splitlines()[0])
        | d | p | decoder | shots | errors | error/round [95% interval] | ...
    """
    lines = [
        "| d | p | decoder | shots | errors | error/round [95% interval] "
        "| errors / pymatching (same shots) | latency mean / p50 / p99 (us) "
        "| latency / pymatching | batch (us/shot) | compile (s) | note |",
        "|---|---|---|---:|---:|---|---:|---|---:|---:|---:|---|",
    ]
    reference = {(r.distance, r.p): r for r in rows if r.decoder == "pymatching" and not r.skipped}
    for row in rows:
        ref = reference.get((row.distance, row.p))
        if row.skipped:
            cells = [""] * 8
        else:
            accuracy_ratio = latency_ratio = ""
            if row.pymatching_errors:
                accuracy_ratio = f"{row.errors / row.pymatching_errors:.2f}"
            if ref is not None:
                latency_ratio = f"{row.latency_mean_us / ref.latency_mean_us:.3g}"
            cells = [
                f"{row.shots}",
                f"{row.errors}",
                f"{row.error_per_round:.2e} [{row.error_per_round_low:.1e}, "
                f"{row.error_per_round_high:.1e}]",
                accuracy_ratio,
                f"{row.latency_mean_us:.3g} / {row.latency_p50_us:.3g} / {row.latency_p99_us:.3g}",
                latency_ratio,
                f"{row.batch_us_per_shot:.3g}",
                f"{row.compile_seconds:.2g}",
            ]
        lines.append(
            f"| {row.distance} | {row.p:g} | {row.decoder} | "
            + " | ".join(cells)
            + f" | {row.note} |"
        )
    return "\n".join(lines) + "\n"


def plot_benchmark(rows: Sequence[DecoderBenchmarkRow], path: str | Path) -> Path:
    """Writes the accuracy-against-latency figure: one panel per ``p``, log-log.

    x: mean per-shot latency (microseconds, decoding one shot at a time); y: logical error per
    round with its 95% interval. One colour per decoder, one marker per distance; a line joins
    a decoder's distances; the legend stands beside the panels and the title names the codes.
    Skipped rows are left out.

    Args:
        rows: benchmark rows.
        path: the image file to write (format from the suffix, e.g. ``.png``).

    Returns:
        The path written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    done = [r for r in rows if not r.skipped]
    rates = sorted({r.p for r in done})
    names = list(dict.fromkeys(r.decoder for r in done))
    markers = dict(zip(sorted({r.distance for r in done}), "osD^v<>", strict=False))
    colors = {name: f"C{i}" for i, name in enumerate(names)}
    fig, axes = plt.subplots(
        1, max(1, len(rates)), figsize=(4.2 * max(1, len(rates)) + 2.2, 4.2), sharey=True,
        squeeze=False,
    )
    for ax, rate in zip(axes[0], rates, strict=False):
        for name in names:
            series = sorted(
                (r for r in done if r.p == rate and r.decoder == name), key=lambda r: r.distance
            )
            xs = [r.latency_mean_us for r in series]
            ys = [r.error_per_round for r in series]
            ax.plot(xs, ys, color=colors[name], alpha=0.4, linewidth=1)
            for r in series:
                low = max(r.error_per_round - r.error_per_round_low, 0.0)
                high = max(r.error_per_round_high - r.error_per_round, 0.0)
                ax.errorbar(
                    [r.latency_mean_us], [max(r.error_per_round, 1e-7)], yerr=[[low], [high]],
                    color=colors[name], marker=markers[r.distance], linestyle="none",
                    capsize=2, markersize=6,
                )  # fmt: skip
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"p = {rate:g}")
        ax.set_xlabel("mean decode latency per shot, one at a time (µs)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].set_ylabel("logical error per round")
    handles = [
        plt.Line2D([], [], color=colors[name], marker="o", linestyle="-", label=name)
        for name in names
    ] + [
        plt.Line2D([], [], color="gray", marker=marker, linestyle="none", label=f"d = {d}")
        for d, marker in markers.items()
    ]
    # Beside the panels, never over the points.
    axes[0][-1].legend(handles=handles, fontsize="small", loc="upper left",
                       bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    codes = ", ".join(sorted({r.code for r in done})) or "no code"
    fig.suptitle(f"Decoders on the same shots: {codes} memory, rounds = d")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path
