#!/usr/bin/env python3
"""Draw the AMS curves of the jet-tagging study: ams.png in OUT_DIR.

Usage: plot.py OUT_DIR, where OUT_DIR contains the ams_curves.csv and
summary.json written by the physics program.
"""

import csv
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def fail(message):
    print(f"plot.py: {message}", file=sys.stderr)
    sys.exit(1)


def read_curves(path):
    """Return the thresholds and, per variant label, the mean and std columns."""
    try:
        with open(path, newline="") as handle:
            rows = list(csv.reader(handle))
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror}; run ./run physics first")
    if len(rows) < 2 or rows[0][0] != "threshold" or len(rows[0]) % 2 != 1:
        fail(f"{path} is not an AMS curve table; rerun ./run physics with --overwrite")

    header = rows[0]
    try:
        table = [[float(cell) for cell in row] for row in rows[1:]]
    except ValueError as error:
        fail(f"{path} has a non-numeric cell ({error}); rerun ./run physics with --overwrite")
    thresholds = [row[0] for row in table]
    curves = {}
    for column in range(1, len(header), 2):
        label = header[column].removesuffix(" mean")
        curves[label] = ([row[column] for row in table], [row[column + 1] for row in table])
    return thresholds, curves


def draw(out_dir):
    thresholds, curves = read_curves(os.path.join(out_dir, "ams_curves.csv"))
    try:
        with open(os.path.join(out_dir, "summary.json")) as handle:
            seeds = len(json.load(handle)["seeds"])
    except (OSError, ValueError, KeyError):
        fail(f"cannot read the seeds from {out_dir}/summary.json; rerun ./run physics")

    figure, axes = plt.subplots(figsize=(7, 5))
    for label, (mean, std) in curves.items():
        # Thresholds where every run has an empty background are NaN: gaps.
        low = [m - s if not math.isnan(m) else math.nan for m, s in zip(mean, std)]
        high = [m + s if not math.isnan(m) else math.nan for m, s in zip(mean, std)]
        axes.plot(thresholds, mean, label=label)
        axes.fill_between(thresholds, low, high, alpha=0.2)
    axes.set_xlabel("threshold on f(X)")
    axes.set_ylabel("AMS")
    axes.set_title(f"Approximate median significance, mean ± std over {seeds} seeds")
    axes.set_xlim(0, 1)
    axes.set_ylim(bottom=0)
    axes.legend()
    figure.tight_layout()

    target = os.path.join(out_dir, "ams.png")
    temporary = os.path.join(out_dir, f".ams.{os.getpid()}.tmp.png")
    figure.savefig(temporary, dpi=120)
    os.replace(temporary, target)
    print(f"plot.py: wrote {target}")


def main():
    if len(sys.argv) != 2:
        fail("usage: plot.py OUT_DIR")
    if not os.path.isdir(sys.argv[1]):
        fail(f"{sys.argv[1]} is not a folder; run ./run physics first")
    draw(sys.argv[1])


if __name__ == "__main__":
    main()
