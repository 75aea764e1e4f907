#!/usr/bin/env python3
"""Regenerates Configs/sram/cacti.csv: CACTI's figures for one SRAM bank over a grid of bank
capacities and port widths, at the CACTI nodes the energy tables use (32 nm for the 28 nm table,
45 nm for the 45 nm table). MantSim's cost model interpolates this table; it never runs CACTI.

Run through `make sram-table`, which creates the Python environment, installs the pinned
hwcomponents-cacti and rebuilds its CACTI binary. `--check` regenerates every row (or every
n-th with `--every n`) and compares it with the committed table instead of writing it.
"""
import argparse
import csv
import io
import math
import os
import sys
from importlib.metadata import version

NODES_NM = (32, 45)
BANK_BYTES = [2 ** e for e in range(8, 21)]   # 256 B .. 1 MiB per bank
WIDTH_BITS = [2 ** e for e in range(3, 12)]   # 8 .. 2048-bit port
COLUMNS = ["cacti_node_nm", "bank_bytes", "width_bits", "read_pj", "write_pj", "area_um2", "leakage_mw"]


def header():
    return [
        "# One SRAM bank (one read/write port) per row, from CACTI through hwcomponents-cacti "
        f"{version('hwcomponents-cacti')} (Accelergy project, PyPI), cache type ram.",
        "# Regenerate: make sram-table (runs Configs/sram/cacti_table.py). Widths below 32 bits and depths",
        "# below 64 rows are the package's own scaling of its nearest CACTI run.",
        "# read_pj/write_pj: energy of one access of width_bits; area_um2: the bank; leakage_mw: standby.",
    ]


def row(node_nm, bank_bytes, width_bits):
    from hwcomponents_cacti import SRAM
    sram = SRAM(tech_node=node_nm * 1e-9, width=width_bits, size=bank_bytes * 8, n_banks=1)
    return [node_nm, bank_bytes, width_bits,
            f"{sram.read_energy * 1e12:.6g}", f"{sram.write_energy * 1e12:.6g}",
            f"{sram.cacti_area * 1e12:.6g}", f"{sram.cacti_leak_power * 1e3:.6g}"]


def grid():
    return [(n, b, w) for n in NODES_NM for b in BANK_BYTES for w in WIDTH_BITS]


def render(rows):
    out = io.StringIO()
    out.write("\n".join(header()) + "\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "cacti.csv"))
    parser.add_argument("--check", action="store_true", help="compare with the committed table instead of writing it")
    parser.add_argument("--every", type=int, default=1, help="with --check, regenerate every n-th row only")
    args = parser.parse_args()
    points = grid()
    if args.check:
        with open(args.output) as f:
            committed = [r for r in csv.reader(line for line in f if not line.startswith("#"))][1:]
        if len(committed) != len(points):
            sys.exit(f"{args.output}: {len(committed)} rows, the grid has {len(points)}")
        bad = 0
        for i in range(0, len(points), max(1, args.every)):
            fresh = [str(v) for v in row(*points[i])]
            if fresh != committed[i]:
                print(f"{args.output}: row {i + 1}: committed {committed[i]}, CACTI gives {fresh}", file=sys.stderr)
                bad += 1
        checked = len(range(0, len(points), max(1, args.every)))
        print(f"{args.output}: {checked - bad} of {checked} regenerated rows match")
        sys.exit(1 if bad else 0)
    rows = []
    for i, point in enumerate(points):
        rows.append(row(*point))
        print(f"\r{i + 1}/{len(points)} banks", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    tmp = args.output + ".tmp"
    with open(tmp, "w") as f:
        f.write(render(rows))
    os.replace(tmp, args.output)
    print(f"wrote {args.output} ({len(rows)} banks)")


if __name__ == "__main__":
    main()
