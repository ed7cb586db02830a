"""The accuracy-against-latency figure of the bivariate bicycle decoder benchmark (issue 27,
item 6), drawn from the tables of ``experiments/VALIDATION_bb.md``.

The tables were printed by ``qec bench-decoders`` (whose ``--out DIR`` writes the same figure as
``DIR/figure.png``); their stores did not survive a move to a new machine, so this script reads
the rows back from the page and draws them with the command's own
:func:`qec.studies._decoder_benchmark.plot_benchmark`: the [[72,12,6]] code (d = 6) at p = 0.3%
(12,000 shots) and 0.5% (1,500) and the gross code (d = 12) at both p (the sample every profile
saw; the second, larger sample of its two fast decoders is left out so that each point is one
sample). Writes ``docs/images/bb_decoders.png``.

Run: PYTHONPATH=. .venv/bin/python experiments/bb_decoder_figure.py
"""

from __future__ import annotations

import pathlib
import re

from qec.studies._decoder_benchmark import DecoderBenchmarkRow, plot_benchmark

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGE = ROOT / "experiments" / "VALIDATION_bb.md"
FIGURE = ROOT / "docs" / "images" / "bb_decoders.png"
SECTIONS = {"### The 72 code at p = 0.3% with at least 100 failures": ("bb:n=72", 2),
            "### The gross code at p = 0.3% and 0.5% with every profile": ("bb:n=144", 1)}
INTERVAL = re.compile(r"([\d.e+-]+) \[([\d.e+-]+), ([\d.e+-]+)\]")


def tables(lines: list[str], start: int, count: int) -> list[list[dict[str, str]]]:
    """The first ``count`` benchmark tables after line ``start``, as lists of column dicts."""
    found, i = [], start
    while len(found) < count and i < len(lines):
        if lines[i].startswith("| d | p | decoder |"):
            header = [c.strip() for c in lines[i].strip("|").split("|")]
            rows, i = [], i + 2
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in lines[i].strip("|").split("|")]
                rows.append(dict(zip(header, cells, strict=True)))
                i += 1
            found.append(rows)
        i += 1
    return found


def rows_of(code: str, table: list[dict[str, str]]) -> list[DecoderBenchmarkRow]:
    rows = []
    for cells in table:
        rate, low, high = map(float, INTERVAL.match(cells["error/round [95% interval]"]).groups())
        mean, p50, p99 = (float(v) for v in cells["latency mean / p50 / p99 (us)"].split(" / "))
        d = int(cells["d"])
        rows.append(DecoderBenchmarkRow(
            decoder=cells["decoder"], distance=d, rounds=d, p=float(cells["p"]), noise="sd6",
            shots=int(cells["shots"]), errors=int(cells["errors"]), error_per_round=rate,
            error_per_round_low=low, error_per_round_high=high, latency_mean_us=mean,
            latency_p50_us=p50, latency_p99_us=p99,
            batch_us_per_shot=float(cells["batch (us/shot)"]),
            compile_seconds=float(cells.get("compile (s)") or 0.0), code=code,
            observables=12))
    return rows


def main() -> None:
    lines = PAGE.read_text().splitlines()
    rows = []
    for heading, (code, count) in SECTIONS.items():
        start = next(i for i, line in enumerate(lines) if line.startswith(heading))
        for table in tables(lines, start, count):
            rows.extend(rows_of(code, table))
    print(f"{len(rows)} rows; figure: {plot_benchmark(rows, FIGURE)}")


if __name__ == "__main__":
    main()
