"""``qec decoders``: every decoder name that resolves, with its status and source."""

import json

import sinter

from qec.cli import main
from qec.decoders import decoder_names, resolvable_decoders, resolve_decoder


def test_decoders_lists_every_name_with_its_status(capsys):
    assert main(["decoders"]) == 0
    lines = capsys.readouterr().out.splitlines()
    options = lines.index("every decoder of detection events also takes (NAME:KEY=VALUE):")
    assert lines[options + 1].split()[0] == "split=xz"  # the parameter of every decoder
    lines = lines[:options]
    entries = [line.split() for line in lines if line.startswith("  ")
               and line.split()[0] not in ("parameters:", "source:")]
    listed = [entry[0] for entry in entries]
    assert listed[: len(decoder_names())] == list(decoder_names())
    assert listed == [info.name for info in resolvable_decoders()]
    for entry in entries:
        assert entry[1] in ("installed", "missing")
    headings = [line for line in lines if line and not line.startswith(" ")]
    assert headings[0] == "qec's decoders:"
    assert "sinter's built-ins:" in headings and any("leakage-aware" in h for h in headings)


def test_decoders_lists_sinter_built_ins_and_leakage_aware_and_all_resolve(capsys):
    assert main(["decoders", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    names = [entry["name"] for entry in entries]
    assert names[: len(decoder_names())] == list(decoder_names())
    assert "leakage-aware" in names
    for sinter_name in sinter.BUILT_IN_SAMPLERS:
        assert sinter_name in names or sinter_name in decoder_names()
    for entry in entries:
        resolve_decoder(entry["name"])  # everything listed resolves
    by_name = {entry["name"]: entry for entry in entries}
    assert by_name["pymatching"]["installed"] is True and by_name["pymatching"]["source"] == "qec"
    assert by_name["leakage-aware"]["kind"] == "sampler"
    assert by_name["leakage-aware"]["split"] == [] and by_name["vacuous"]["split"] == ["xz"]
    for entry in entries:
        if entry["split"]:
            resolve_decoder(f"{entry['name']}:split=xz")  # what the listing offers resolves
    assert by_name["vacuous"]["source"] == "sinter"
    assert by_name["exact"]["requires"] == []
    assert all(isinstance(entry["description"], str) and entry["description"] for entry in entries)


def test_decoders_lists_each_profiles_parameters_and_source(capsys):
    assert main(["decoders", "--json"]) == 0
    entries = {entry["name"]: entry for entry in json.loads(capsys.readouterr().out)}
    long_beam = entries["tesseract-long-beam"]
    assert long_beam["parameters"]["det_beam"] == 20
    assert long_beam["parameters"]["num_det_orders"] == 21
    assert "2503.10988" in long_beam["reference"]
    fast = entries["relay-bp-gross-fast"]
    assert fast["parameters"]["stop_nconv"] == 1 and fast["parameters"]["pre_iter"] == 80
    assert fast["parameters"]["gamma_interval"] == [-0.24, 0.66]
    assert "2506.01779" in fast["reference"] and "not reachable" in fast["reference"]
    assert entries["bposd-bb"]["parameters"]["ms_scaling_factor"] == 0.0
    assert entries["leakage-aware"]["parameters"] == {}
    assert main(["decoders"]) == 0
    text = capsys.readouterr().out
    assert "parameters: det_beam=15" in text and "source: Beni, Higgott, Shutty" in text
