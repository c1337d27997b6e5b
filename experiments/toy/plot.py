#!/usr/bin/python3
"""Draw the figures of the toy example from the files that the toy program writes.

Usage: plot.py OUT_DIR

Reads summary.json, training_curves.csv, histograms.csv and
decision_surface_{plain,pivot}.csv from OUT_DIR and writes two figures there,
laid out as in Louppe, Kagan and Cranmer, "Learning to Pivot with Adversarial
Networks" (NeurIPS 2017):

- toy_panels.png: one row per model (plain classifier, then after adversarial
  training), with the densities of f(X) at Z = -1, 0, +1 on the left and the
  decision surface f(x) on the right;
- training_curves.png: L_f, L_r and L_f - lambda L_r on the validation set
  against the adversarial iteration.

Every input is read and checked before the first figure is drawn. Each figure
is written to a temporary file first and then renamed, so that a failure never
leaves a partial PNG behind.
"""

import csv
import json
import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (the backend must be chosen first)
import numpy as np  # noqa: E402

MODELS = {"plain": "Plain classifier", "pivot": "After adversarial training"}
NUISANCE_VALUES = (-1, 0, 1)
CURVE_COLUMNS = ["iteration", "L_f", "L_r", "L_f_minus_lambda_L_r"]
# A light box behind the class-mean labels, readable on both ends of the colormap.
LABEL_BOX = {"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.7}
RERUN_HINT = "Run ./run toy first, or pass the folder given to --out."
REWRITE_HINT = "Rerun ./run toy with --overwrite to rewrite it."


class PlotError(Exception):
    """An input that is missing or malformed, or a figure that could not be written."""


def load_summary(out_dir):
    """Read summary.json and return the numbers used here, keyed by dotted path.

    Keys: "config.lambda", "H_Z", "min_L_f", and "<model>.<metric>" for each
    model in MODELS and each metric L_f, L_r, auc and ks.
    """
    path = out_dir / "summary.json"
    try:
        with path.open(encoding="utf-8") as file:
            summary = json.load(file)
    except FileNotFoundError:
        raise PlotError(f"{path} not found. {RERUN_HINT}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PlotError(f"{path} could not be read ({error}). {REWRITE_HINT}") from None

    key_paths = [("config", "lambda"), ("H_Z",), ("min_L_f",)]
    for model in MODELS:
        key_paths += [(model, metric) for metric in ("L_f", "L_r", "auc", "ks")]

    numbers = {}
    for key_path in key_paths:
        value = summary
        for key in key_path:
            value = value.get(key) if isinstance(value, dict) else None
        name = ".".join(key_path)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise PlotError(f"{path}: '{name}' must be a number, got {value!r}. {REWRITE_HINT}")
        numbers[name] = value
    return numbers


def load_csv(path, columns):
    """Read a CSV file with a header and return {column: numpy array} for `columns`.

    Every listed column must be present in every row, and every value must
    parse as a float, except in a column named "model", which stays a string.
    """
    try:
        with path.open(newline="", encoding="utf-8") as file:
            reader = csv.DictReader(file)
            if reader.fieldnames is None:
                raise PlotError(f"{path} is empty. {REWRITE_HINT}")
            missing = [column for column in columns if column not in reader.fieldnames]
            if missing:
                raise PlotError(
                    f"{path}: missing column(s) {', '.join(missing)} "
                    f"(header is {','.join(reader.fieldnames)}). {REWRITE_HINT}"
                )
            values = {column: [] for column in columns}
            for row in reader:
                for column in columns:
                    values[column].append(parse_cell(path, reader.line_num, column, row[column]))
    except FileNotFoundError:
        raise PlotError(f"{path} not found. {RERUN_HINT}") from None
    except (OSError, csv.Error, UnicodeDecodeError) as error:
        raise PlotError(f"{path} could not be read ({error}). {REWRITE_HINT}") from None

    if not values[columns[0]]:
        raise PlotError(f"{path} contains no data rows. {REWRITE_HINT}")
    return {column: np.array(cells) for column, cells in values.items()}


def parse_cell(path, line_number, column, cell):
    if cell is None:
        raise PlotError(f"{path}, line {line_number}: no value for '{column}'. {REWRITE_HINT}")
    if column == "model":
        return cell
    try:
        return float(cell)
    except ValueError:
        raise PlotError(
            f"{path}, line {line_number}: '{column}' is not a number ({cell!r}). {REWRITE_HINT}"
        ) from None


def check_finite(path, table):
    for column, values in table.items():
        if values.dtype.kind == "f" and not np.all(np.isfinite(values)):
            raise PlotError(f"{path}: column '{column}' contains NaN or infinity. {REWRITE_HINT}")


def load_histograms(out_dir):
    """Read histograms.csv and return {(model, z): (bin_edges, densities)}.

    The bins of each (model, z) must be contiguous, so that each histogram has
    one more edge than bins.
    """
    path = out_dir / "histograms.csv"
    table = load_csv(path, ["model", "z", "bin_low", "bin_high", "density"])
    check_finite(path, table)

    histograms = {}
    for model in MODELS:
        for z in NUISANCE_VALUES:
            rows = (table["model"] == model) & (table["z"] == z)
            if not rows.any():
                raise PlotError(f"{path} has no rows for model={model}, z={z}. {REWRITE_HINT}")
            order = np.argsort(table["bin_low"][rows])
            low = table["bin_low"][rows][order]
            high = table["bin_high"][rows][order]
            if not np.allclose(low[1:], high[:-1]):
                raise PlotError(
                    f"{path}: the bins of model={model}, z={z} are not contiguous. {REWRITE_HINT}"
                )
            edges = np.append(low, high[-1])
            histograms[(model, z)] = (edges, table["density"][rows][order])
    return histograms


def load_decision_surface(out_dir, model):
    """Read decision_surface_<model>.csv and return (x1 values, x2 values, scores).

    The grid size is inferred from the distinct x1 and x2 values. Scores has the
    shape [len(x2), len(x1)], as matplotlib's contourf expects, and every grid
    point must appear exactly once.
    """
    path = out_dir / f"decision_surface_{model}.csv"
    table = load_csv(path, ["x1", "x2", "score"])
    check_finite(path, table)

    x1, column_index = np.unique(table["x1"], return_inverse=True)
    x2, row_index = np.unique(table["x2"], return_inverse=True)
    scores = np.full((x2.size, x1.size), np.nan)
    scores[row_index, column_index] = table["score"]
    if table["score"].size != scores.size or np.isnan(scores).any():
        raise PlotError(
            f"{path}: expected one row per point of a {x1.size} x {x2.size} grid, got "
            f"{table['score'].size} rows. {REWRITE_HINT}"
        )
    return x1, x2, scores


def load_training_curves(out_dir):
    """Read training_curves.csv. NaN and infinity are allowed and show as gaps."""
    return load_csv(out_dir / "training_curves.csv", CURVE_COLUMNS)


def format_nuisance(z):
    return "Z = 0" if z == 0 else f"Z = {z:+d}"


def draw_densities(axes, histograms, model, title):
    max_density = 0.0
    for z in NUISANCE_VALUES:
        edges, densities = histograms[(model, z)]
        axes.stairs(densities, edges, label=format_nuisance(z), linewidth=1.5)
        max_density = max(max_density, densities.max())
    axes.set_xlim(0.0, 1.0)
    # 20% headroom keeps the one-row legend above the highest bin.
    axes.set_ylim(0.0, 1.2 * max_density if max_density > 0 else 1.0)
    axes.set_xlabel("f(X)")
    axes.set_ylabel("p(f(X))")
    axes.set_title(title)
    axes.legend(loc="upper center", ncol=len(NUISANCE_VALUES))


def draw_decision_surface(figure, axes, surface, title):
    x1, x2, scores = surface
    contours = axes.contourf(x1, x2, scores, levels=np.linspace(0.0, 1.0, 21), cmap="viridis")
    figure.colorbar(contours, ax=axes, label="f(x)")

    # Class means of the toy data: (0, 0) for Y = 0 and (1, 1 + z) for Y = 1, Z = z.
    means = [((0.0, 0.0), "o", "Y = 0")]
    means += [((1.0, 1.0 + z), "s", f"Y = 1, {format_nuisance(z)}") for z in NUISANCE_VALUES]
    for mean, marker, label in means:
        axes.plot(*mean, marker, color="white", markeredgecolor="black")
        axes.annotate(
            label, mean, xytext=(6, 6), textcoords="offset points", bbox=LABEL_BOX, fontsize=9
        )

    axes.set_xlabel("$x_1$")
    axes.set_ylabel("$x_2$")
    axes.set_title(title)


def plot_toy_panels(out_dir, summary, histograms, surfaces):
    figure, axes = plt.subplots(2, 2, figsize=(12, 9), constrained_layout=True)
    for row, (model, name) in enumerate(MODELS.items()):
        auc = summary[f"{model}.auc"]
        ks = summary[f"{model}.ks"]
        draw_densities(
            axes[row, 0], histograms, model, f"{name}: AUC {auc:.3f}, KS(Z=-1, Z=+1) {ks:.3f}"
        )
        draw_decision_surface(figure, axes[row, 1], surfaces[model], f"{name}: decision surface")
    save_figure(figure, out_dir / "toy_panels.png")


def plot_training_curves(out_dir, summary, curves):
    lambda_ = summary["config.lambda"]
    min_loss = summary["min_L_f"]
    entropy = summary["H_Z"]
    min_value_function = min_loss - lambda_ * entropy
    panels = [
        ("L_f", "$L_f$", min_loss, f"min $L_f$ after pretraining = {min_loss:.4f}"),
        ("L_r", "$L_r$", entropy, f"$H(Z)$ = {entropy:.4f}"),
        (
            "L_f_minus_lambda_L_r",
            r"$L_f - \lambda L_r$",
            min_value_function,
            rf"min $L_f - \lambda H(Z)$ = {min_value_function:.4f}",
        ),
    ]

    figure, axes = plt.subplots(3, 1, figsize=(7, 9), sharex=True, constrained_layout=True)
    for panel, (column, label, reference, reference_label) in zip(axes, panels):
        panel.plot(curves["iteration"], curves[column], label=f"validation {label}")
        panel.axhline(reference, linestyle="--", color="black", label=reference_label)
        panel.set_ylabel(label)
        panel.legend()
    axes[0].set_title(rf"Adversarial training, $\lambda$ = {lambda_:g}")
    axes[-1].set_xlabel("iteration")
    save_figure(figure, out_dir / "training_curves.png")


def save_figure(figure, path):
    """Write the figure to a temporary PNG next to `path`, then rename it to `path`."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        figure.savefig(temporary, format="png", dpi=120)
        os.replace(temporary, path)
    except OSError as error:
        raise PlotError(f"{path} could not be written ({error}).") from None
    finally:
        plt.close(figure)
        temporary.unlink(missing_ok=True)


def main(arguments):
    usage = "usage: plot.py OUT_DIR (the folder that the toy program wrote)"
    if arguments in (["-h"], ["--help"]):
        print(usage)
        return 0
    if len(arguments) != 1:
        print(usage, file=sys.stderr)
        return 2
    out_dir = Path(arguments[0])
    if not out_dir.is_dir():
        print(f"plot.py: error: folder {out_dir} not found. {RERUN_HINT}", file=sys.stderr)
        return 1

    try:
        summary = load_summary(out_dir)
        histograms = load_histograms(out_dir)
        surfaces = {model: load_decision_surface(out_dir, model) for model in MODELS}
        curves = load_training_curves(out_dir)

        plot_toy_panels(out_dir, summary, histograms, surfaces)
        plot_training_curves(out_dir, summary, curves)
    except PlotError as error:
        print(f"plot.py: error: {error}", file=sys.stderr)
        return 1
    print(f"plot.py: wrote {out_dir / 'toy_panels.png'} and {out_dir / 'training_curves.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
