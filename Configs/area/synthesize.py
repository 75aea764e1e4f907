#!/usr/bin/env python3
"""Synthesizes each Verilog PE of RTLModels/verilog with Yosys and writes Configs/area/synthesized.csv.

Each PE is read, flattened and synthesized (`synth`), mapped to a generic CMOS gate set
(`abc -g cmos2`: NAND, NOR and NOT) and counted (`stat -tech cmos`). The table keeps the cells, the
flip-flops and Yosys's estimate of transistors in the combinational gates; flip-flops are listed,
not counted, as the composed areas count no registers either. `--check` synthesizes again and
compares with the committed table (part of `make test`).

ABC's mapping is a heuristic: the same module maps to a few percent more or fewer gates when the
netlist reaches it in another order (for example after other modules were read). Each PE is
therefore synthesized RUNS times, with the Verilog files read in RUNS rotations of their sorted
order; the table keeps the median run and the smallest and largest counts.

    python3 Configs/area/synthesize.py [--check]
"""
import concurrent.futures
import csv
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VERILOG = os.path.join(ROOT, "RTLModels", "verilog")
TABLE = os.path.join(HERE, "synthesized.csv")

# (area entry the model prices, module, parameters, what it is)
PES = [
    ("pe.mac_w8a8", "int_pe", {"WEIGHT_BITS": 8}, "INT8 PE: 8b x 8b multiplier, 32b accumulator"),
    ("pe.mac_w4a8", "int_pe", {"WEIGHT_BITS": 4}, "INT4 PE: 4b x 8b multiplier, 32b accumulator"),
    ("pe.mac_w3a8", "mant_pe", {"WEIGHT_BITS": 4}, "M-ANT fused PE: 3b magnitude x 8b MAC path, shift path, two 32b sums"),
    ("pe.mac_ant_w8a8", "ant_pe", {}, "ANT-style PE: 4b code decoded to 8b, 8b x 8b multiplier, 32b accumulator"),
    ("pe.mac_olive_w8a8", "olive_pe", {}, "OliVe-style PE: 4b code and its pair partner's decoded to 8b, 8b x 8b multiplier, 32b accumulator"),
    ("pe.mac_fp16", "fp16_mac_pe", {}, "FP16 PE: FP16 x FP16 product, FP32 adder (round to nearest even)"),
    ("sac.combine_unit", "mant_sac_int", {}, "M-ANT SAC integer part: a x M + H (8b x 32b, 32b adder)"),
    ("decoder.lut_table", "lut_decoder", {"BITS": 4}, "LUT decoder: 16-entry FP16 table, one read per cycle (the LUT array's table per column)"),
]
COLUMNS = ["entry", "module", "parameters", "cells", "flip_flops", "transistors", "transistors_min", "transistors_max", "runs",
           "description", "yosys", "command"]
RUNS = 7


def yosys_version():
    return subprocess.run(["yosys", "-V"], capture_output=True, text=True, check=True).stdout.strip()


def sources():
    return sorted(os.path.join("RTLModels/verilog", name) for name in os.listdir(VERILOG) if name.endswith(".v"))


def script(module, parameters, files):
    chparam = "".join(f" -set {key} {value}" for key, value in parameters.items())
    return (f"read_verilog {' '.join(files)}; " + (f"chparam{chparam} {module}; " if parameters else "")
            + f"synth -flatten -top {module}; abc -g cmos2; opt_clean; stat -tech cmos")


def synthesize(module, parameters, files):
    """One Yosys run: (cells, flip-flops, transistors)."""
    with tempfile.NamedTemporaryFile(suffix=".log") as log:
        subprocess.run(["yosys", "-q", "-l", log.name, "-p", script(module, parameters, files)], cwd=ROOT, check=True, capture_output=True)
        text = open(log.name).read()
    stats = text[text.rfind("Number of cells"):]
    cells = int(re.search(r"Number of cells:\s+(\d+)", stats).group(1))
    flops = sum(int(count) for kind, count in re.findall(r"\$_(S?DFF\w*)_\s+(\d+)", stats))
    transistors = int(re.search(r"Estimated number of transistors:\s+(\d+)", stats).group(1))
    return cells, flops, transistors


def rows():
    version = yosys_version()
    files = sources()
    orders = [files[k:] + files[:k] for k in range(RUNS)]
    jobs = [(pe, order) for pe in PES for order in orders]
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        runs = list(pool.map(lambda job: synthesize(job[0][1], job[0][2], job[1]), jobs))
    result = []
    for index, (entry, module, parameters, description) in enumerate(PES):
        mine = sorted(runs[index * RUNS:(index + 1) * RUNS], key=lambda run: (run[2], run[0]))
        cells, flops, transistors = mine[RUNS // 2]
        command = ("yosys -p \"" + script(module, parameters, ["RTLModels/verilog/*.v"]) + "\""
                   + f", the files read in {RUNS} rotations of their sorted order; the median run")
        result.append({"entry": entry, "module": module, "parameters": " ".join(f"{k}={v}" for k, v in parameters.items()),
                       "cells": cells, "flip_flops": flops, "transistors": transistors,
                       "transistors_min": mine[0][2], "transistors_max": mine[-1][2], "runs": RUNS,
                       "description": description, "yosys": version, "command": command})
        print(f"{entry:18} {module:14} {transistors:7} transistors ({mine[0][2]}-{mine[-1][2]} over {RUNS} runs), "
              f"{flops:4} flip-flops", file=sys.stderr)
    return result


def main():
    if not any(os.access(os.path.join(folder, "yosys"), os.X_OK) for folder in os.environ.get("PATH", "").split(":")):
        sys.exit("make area: yosys is not on PATH (Debian: apt-get install yosys; `make area` installs it as root)")
    fresh = rows()
    if "--check" in sys.argv:
        with open(TABLE, newline="") as handle:
            committed = {row["entry"]: row for row in csv.DictReader(line for line in handle if not line.startswith("#"))}
        problems = []
        for row in fresh:
            old = committed.get(row["entry"])
            if old is None:
                problems.append(f"{row['entry']}: missing from {TABLE}")
            elif (tuple(int(old.get(key) or 0) for key in ("transistors", "transistors_min", "transistors_max", "flip_flops", "cells"))
                  != tuple(row[key] for key in ("transistors", "transistors_min", "transistors_max", "flip_flops", "cells"))):
                problems.append(f"{row['entry']}: committed {old['transistors']} transistors / {old['cells']} cells, "
                                f"synthesized now {row['transistors']} / {row['cells']} (rerun make area and commit)")
        if problems:
            sys.exit("area check failed:\n  " + "\n  ".join(problems))
        print(f"area check: {len(fresh)} PEs synthesize to the committed counts ({TABLE})")
        return
    with open(TABLE + ".tmp", "w", newline="") as handle:
        handle.write("# Made by `make area` (Configs/area/synthesize.py) from RTLModels/verilog; do not edit by hand.\n")
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(fresh)
    os.replace(TABLE + ".tmp", TABLE)
    print(f"wrote {TABLE}")


if __name__ == "__main__":
    main()
