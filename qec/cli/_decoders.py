"""``qec decoders``: list every decoder name that resolves and whether each is installed."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from qec.cli._common import print_json
from qec.cli._options import add
from qec.decoders import decoder_parameters, resolvable_decoders
from qec.decoders._dem import INSTALL_HINT
from qec.decoders._split import SPLITS

NAME = "decoders"
HELP = ("list every decoder name and published profile (for --decoder(s)), what each does, "
        "its parameters (which NAME:KEY=VALUE,... changes), where a profile's come from, and "
        "the parameter every decoder takes (NAME:split=xz)")

SPLIT_LINE = ("split=xz  decode the X-type and the Z-type checks apart, each part with NAME, "
              "as Bravyi et al. decoded their memories (a shot fails when either part does); "
              "needs detectors tagged with their check type, as circuits built with --boundary "
              "authors have. Example: bposd-bb:split=xz")
"""The text ``qec decoders`` shows for the ``split`` parameter of every decoder."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the options of ``qec decoders``."""
    add(parser, "json")


def _parameters(info: Any) -> dict[str, Any]:
    """The decoder's parameters (what a spec NAME:KEY=VALUE changes); none for samplers and
    decoders that are not dataclasses."""
    if info.source not in ("qec", "registered") or info.kind != "decoder":
        return {}
    try:
        return {key: list(value) if isinstance(value, tuple) else value
                for key, value in decoder_parameters(info.name).items()}
    except (ValueError, ImportError):
        return {}


def run(args: argparse.Namespace) -> int:
    """Prints one line per decoder (or a JSON list)."""
    infos = resolvable_decoders()
    if args.json:
        print_json(
            [
                {
                    "name": info.name,
                    "description": info.description,
                    "installed": info.installed,
                    "requires": list(info.requires),
                    "source": info.source,
                    "kind": info.kind,
                    "parameters": _parameters(info),
                    "reference": info.reference or None,
                    # NAME:split=VALUE, which every decoder of detection events takes
                    "split": list(SPLITS) if info.kind == "decoder" else [],
                }
                for info in infos
            ]
        )
        return 0
    width = max(len(info.name) for info in infos)
    headings = {"qec": "qec's decoders", "registered": "registered in this process",
                "plugin": "from installed packages (entry point group qec.decoders)",
                "leakage": "leakage-aware samplers (simulate leakage, decode with heralds)",
                "sinter": "sinter's built-ins"}
    previous = None
    for info in infos:
        if info.source != previous:
            sys.stdout.write(("" if previous is None else "\n") + f"{headings[info.source]}:\n")
            previous = info.source
        status = "installed" if info.installed else "missing  "
        sys.stdout.write(f"  {info.name:<{width}}  {status}  {info.description}\n")
        parameters = _parameters(info)
        if parameters:
            text = ", ".join(f"{key}={value}" for key, value in parameters.items())
            sys.stdout.write(f"  {'':<{width}}  parameters: {text}\n")
        if info.reference:
            sys.stdout.write(f"  {'':<{width}}  source: {info.reference}\n")
    sys.stdout.write("\nevery decoder of detection events also takes (NAME:KEY=VALUE):\n"
                     f"  {SPLIT_LINE}\n")
    if not all(info.installed for info in infos):
        sys.stdout.write(f"\nTo install the missing decoders: {INSTALL_HINT}\n")
    return 0
