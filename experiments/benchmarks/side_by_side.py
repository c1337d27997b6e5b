#!/usr/bin/python3
"""Run the engine's benchmarks and the same work in PyTorch, side by side.

Runs the Google Benchmark programs of experiments/benchmarks, the PyTorch
reference steps of torch_reference.py (CPU, one thread) and the whole toy
experiment with both, then prints one Markdown table per part with the
medians and the ratios. Times of single steps are CPU times (Google
Benchmark's cpu_time and Python's process_time), because other load on the
machine inflates them less than wall time. The whole runs report both.
With --float-build-dir, the steps and the toy run are also timed with the
single-precision build of the engine (PIVOT_SCALAR=float).

Usage: side_by_side.py [--build-dir build] [--float-build-dir build-float]
                       [--skip-toy] [--json results.json]
"""

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# The environment of the engine's programs: the one this script started
# with, before importing torch_reference pins OpenBLAS to one thread for
# PyTorch. The engine programs set their own OpenBLAS thread counts.
ENGINE_ENVIRONMENT = dict(os.environ)
STEP_NAMES = [
    "toy_classifier_step/32",
    "toy_adversary_step/128",
    "toy_combined_step/128",
    "toy_validation_pass/50000",
    "physics_classifier_step/128",
    "physics_adversary_step/128",
    "physics_combined_step/128",
    "physics_classifier_step/1024",
    "physics_adversary_step/1024",
    "physics_combined_step/1024",
]
MATMUL_NAMES = ["matmul_forward", "one_dgemm", "matmul_forward_backward", "three_dgemms"]


def machine_description():
    """Return the CPU model from lscpu, the number of CPUs and the load averages."""
    model = "unknown CPU"
    try:
        output = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        found = re.search(r"^Model name:\s*(.+)$", output, re.MULTILINE)
        if found:
            model = found.group(1).strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    load = os.getloadavg()
    return {"cpu": model, "cpus": os.cpu_count(), "kernel": platform.release(),
            "load_average": [round(value, 2) for value in load]}


def run_google_benchmark(program, repetitions, min_time, benchmark_filter=None):
    """Runs a Google Benchmark program and returns {name: entry} of the
    medians over the repetitions (the single run with one repetition), with
    times converted to seconds."""
    command = [str(program), "--benchmark_format=json",
               f"--benchmark_repetitions={repetitions}",
               f"--benchmark_report_aggregates_only={'false' if repetitions == 1 else 'true'}",
               f"--benchmark_min_time={min_time}"]
    if benchmark_filter:
        command.append(f"--benchmark_filter={benchmark_filter}")
    output = subprocess.run(command, capture_output=True, text=True, check=True,
                            env=ENGINE_ENVIRONMENT).stdout
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    medians = {}
    for entry in json.loads(output)["benchmarks"]:
        # One repetition gives no aggregates, so its single run is the median.
        run_type = "iteration" if repetitions == 1 else "aggregate"
        if entry.get("run_type") != run_type:
            continue
        if run_type == "aggregate" and entry.get("aggregate_name") != "median":
            continue
        unit = scale[entry["time_unit"]]
        # "/real_time" comes last or before "/threads:N"; the keys leave it out.
        name = entry["run_name"].replace("/real_time", "")
        medians[name] = {"cpu": entry["cpu_time"] * unit, "real": entry["real_time"] * unit,
                         "gflops": entry.get("GFLOP/s", 0.0)}
    return medians


class RssSampler(threading.Thread):
    """Samples the resident set size of the process that `launcher` (the
    /usr/bin/time process) started, every `interval` seconds."""

    def __init__(self, launcher, interval=0.25):
        super().__init__(daemon=True)
        self.launcher = launcher
        self.interval = interval
        self.samples = []  # (seconds since start, MiB)

    def run(self):
        start = time.monotonic()
        children = Path(f"/proc/{self.launcher.pid}/task/{self.launcher.pid}/children")
        while self.launcher.poll() is None:
            try:
                pids = children.read_text().split()
                if pids:
                    status = Path(f"/proc/{pids[0]}/status").read_text()
                    kib = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
                    self.samples.append((time.monotonic() - start, kib / 1024.0))
            except (OSError, AttributeError):
                pass
            time.sleep(self.interval)


def run_timed(command, environment=None):
    """Runs `command` under /usr/bin/time -v with `environment` (this
    process's when None) and returns its standard output, wall, user and
    system seconds, peak RSS in MiB and RSS samples."""
    launcher = subprocess.Popen(["/usr/bin/time", "-v", *command], env=environment,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = RssSampler(launcher)
    sampler.start()
    stdout, stderr = launcher.communicate()
    sampler.join()
    if launcher.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed with exit code {launcher.returncode}:\n"
                           f"{stderr[-2000:]}")

    def field(label):
        return re.search(rf"{re.escape(label)}: (.+)", stderr).group(1).strip()

    wall_parts = [float(part) for part in field("Elapsed (wall clock) time (h:mm:ss or m:ss)")
                  .split(":")]
    wall = 0.0
    for part in wall_parts:
        wall = wall * 60.0 + part
    return {"stdout": stdout, "wall": wall, "user": float(field("User time (seconds)")),
            "system": float(field("System time (seconds)")),
            "peak_rss_mib": int(field("Maximum resident set size (kbytes)")) / 1024.0,
            "rss_samples": sampler.samples}


def rss_profile(samples):
    """RSS at 20, 40, 60, 80 and 100 % of the run, in MiB."""
    if not samples:
        return []
    end = samples[-1][0]
    profile = []
    for fraction in (0.2, 0.4, 0.6, 0.8, 1.0):
        chosen = min(samples, key=lambda sample: abs(sample[0] - fraction * end))
        profile.append(round(chosen[1], 1))
    return profile


def run_engine_toy(build_dir):
    """Run the whole toy experiment with the engine's toy program of `build_dir`."""
    with tempfile.TemporaryDirectory(prefix="side_by_side_") as folder:
        result = run_timed([str(build_dir / "experiments/toy/toy"), "--out",
                            str(Path(folder) / "toy"), "--overwrite"], ENGINE_ENVIRONMENT)
        summary = json.loads((Path(folder) / "toy" / "summary.json").read_text())
    result["summary"] = {key: summary[key] for key in ("plain", "pivot", "seconds")}
    return result


def run_toy_runs(build_dir, float_build_dir):
    """Run the whole toy experiment with the engine (double, then float if
    given) and with PyTorch."""
    runs = {"engine": run_engine_toy(build_dir)}
    if float_build_dir:
        runs["engine_float"] = run_engine_toy(float_build_dir)

    theirs = run_timed(["/usr/bin/python3", str(HERE / "torch_reference.py"), "toy"])
    theirs["summary"] = json.loads(theirs["stdout"].strip().splitlines()[-1])
    runs["pytorch"] = theirs
    for result in runs.values():
        del result["stdout"]
        result["rss_profile_mib"] = rss_profile(result.pop("rss_samples"))
    return runs


def format_seconds(seconds):
    if seconds >= 1.0:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"


def write_atomically(path, text):
    """Write `text` to `path` through a temporary file in the same folder, so
    that an interrupted run leaves the old file whole."""
    with tempfile.NamedTemporaryFile("w", dir=path.resolve().parent, prefix=f".{path.name}.",
                                     delete=False) as scratch:
        scratch.write(text)
    os.replace(scratch.name, path)


def print_tables(results):
    machine = results["machine"]
    print(f"Machine: {machine['cpu']}, {machine['cpus']} CPUs, Linux {machine['kernel']}; "
          f"load average {machine['load_average']} at the start and "
          f"{results['load_average_end']} at the end.\n")

    # Ratios compare equal precisions: the float engine with PyTorch float32,
    # the double engine with PyTorch float64.
    single = results.get("engine_float_steps")
    print("| step | engine float | PyTorch float32 | ratio | engine double | PyTorch float64 "
          "| ratio |")
    print("|---|---|---|---|---|---|---|")
    for name in STEP_NAMES:
        ours = results["engine_steps"][name]["cpu"]
        float32 = results["pytorch_float32"][name]
        float64 = results["pytorch_float64"][name]
        if single:
            ours_single = single[name]["cpu"]
            single_columns = (f"{format_seconds(ours_single)} | {format_seconds(float32)} | "
                              f"{float32 / ours_single:.1f}x")
        else:
            single_columns = f"- | {format_seconds(float32)} | -"
        print(f"| {name} | {single_columns} | {format_seconds(ours)} | "
              f"{format_seconds(float64)} | {float64 / ours:.1f}x |")

    print_ceiling_table(results)

    # Growth with batch and width: the float build against PyTorch float32,
    # with the double build's times beside them.
    print("\n| growth of one step | engine float | GFLOP/s | PyTorch float32 | ratio | "
          "engine double | GFLOP/s |")
    print("|---|---|---|---|---|---|---|")
    for name, entry in results["engine_steps"].items():
        if not name.startswith("mlp_step"):
            continue
        theirs = results["pytorch_float32"].get(name)
        ours_single = single.get(name) if single else None
        if ours_single:
            single_columns = (f"{format_seconds(ours_single['cpu'])} | "
                              f"{ours_single['gflops']:.1f} | ")
            ratio = f"{theirs / ours_single['cpu']:.1f}x" if theirs else "-"
        else:
            single_columns = "- | - | "
            ratio = "-"
        print(f"| {name} | {single_columns}{format_seconds(theirs) if theirs else '-'} | {ratio} | "
              f"{format_seconds(entry['cpu'])} | {entry['gflops']:.1f} |")

    print("\n| product | engine | bare OpenBLAS dgemm | ratio | GFLOP/s (engine) |")
    print("|---|---|---|---|---|")
    matmul = results["matmul"]
    for size in sorted({name.split("/", 1)[1] for name in matmul}):
        # One thread: CPU time. Two threads: wall time, which counts both.
        key = "cpu" if size.endswith("threads:1") else "real"
        for ours, bare, label in (("matmul_forward", "one_dgemm", "forward = 1 dgemm"),
                                  ("matmul_forward_backward", "three_dgemms",
                                   "forward + backward = 3 dgemms")):
            if f"{ours}/{size}" not in matmul:
                continue  # a size timed for the bare dgemm only
            engine = matmul[f"{ours}/{size}"]
            reference = matmul[f"{bare}/{size}"]
            print(f"| {label}, {size} | {format_seconds(engine[key])} | "
                  f"{format_seconds(reference[key])} | {engine[key] / reference[key]:.2f}x | "
                  f"{engine['gflops']:.1f} |")
    torch_matmul = results["pytorch_float64"].get("matmul_forward_backward/n:512/threads:1")
    if torch_matmul:
        print(f"\nPyTorch float64 sum(A B) forward + backward, n 512, one thread: "
              f"{format_seconds(torch_matmul)}.")

    toy = results.get("toy")
    if toy:
        print_toy_table(toy)


def bare_gemm_rate(matmul):
    """Return the best GFLOP/s of the bare one-thread gemms in `matmul`
    (n 128, 512 and 1024), OpenBLAS's rate on large operands, per CPU second
    like the step benchmarks' rates (one_dgemm reports per wall second)."""
    return max(entry["gflops"] * entry["real"] / entry["cpu"] for name, entry in matmul.items()
               if name.startswith("one_dgemm/") and name.endswith("threads:1"))


def peak_rate(matmul, threads):
    """Return the GFLOP/s of peak_fma on `threads` threads in `matmul`, the
    measured peak of that many cores, or None if it did not run."""
    entry = matmul.get(f"peak_fma/threads:{threads}")
    return entry["gflops"] if entry and entry["gflops"] else None


def print_ceiling_table(results):
    """Print three estimates of the best ratio on each physics step.

    Each is PyTorch's time over the time of the step's flops at some rate.
    The ceiling takes the rate of one large bare gemm, the best ratio of an
    engine whose products go through OpenBLAS on one thread. The bounds
    take the peak_fma rate of one thread, which no one-thread engine can
    beat, and of two threads, which no engine on this machine can beat in
    wall time. The bare gemm, the peak and PyTorch run at different moments,
    so all three carry the machine's spread."""
    builds = [("float", results.get("engine_float_steps"), results.get("matmul_float"),
               "pytorch_float32"),
              ("double", results["engine_steps"], results["matmul"], "pytorch_float64")]
    for label, _, matmul, _ in builds:
        if matmul and peak_rate(matmul, 1):
            two_cores = peak_rate(matmul, 2)
            two_cores_text = f"{two_cores:.1f} GFLOP/s" if two_cores else "not measured"
            print(f"\nPeak in {label} (peak_fma): {peak_rate(matmul, 1):.1f} GFLOP/s on one core, "
                  f"{two_cores_text} on two.")
    print("\n| physics step | build | engine GFLOP/s | bare gemm GFLOP/s | "
          "time at the bare gemm rate | PyTorch | ceiling of the ratio (estimate) | "
          "bound at the one-core peak | bound at the two-core peak |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in STEP_NAMES:
        if not name.startswith("physics_"):
            continue
        for label, steps, matmul, reference in builds:
            if not steps or not matmul:
                continue
            engine = steps[name]
            if not engine["gflops"]:
                continue  # results of a step_benchmarks without the GFLOP/s counter
            rate = bare_gemm_rate(matmul)
            flops = engine["gflops"] * engine["cpu"]  # in units of 10^9 flops
            floor = flops / rate
            theirs = results[reference][name]
            bounds = []
            for threads in (1, 2):
                peak = peak_rate(matmul, threads)
                bounds.append(f"{theirs * peak / flops:.1f}x" if peak else "-")
            print(f"| {name} | {label} | {engine['gflops']:.1f} | {rate:.1f} | "
                  f"{format_seconds(floor)} | {format_seconds(theirs)} | {theirs / floor:.1f}x | "
                  f"{bounds[0]} | {bounds[1]} |")


def print_toy_table(toy):
    """Print the whole toy run: one column per engine build, then PyTorch.

    Each ratio is PyTorch's value divided by the engine's.
    """
    engines = [(label, toy[key]) for label, key in (("engine double", "engine"),
                                                    ("engine float", "engine_float"))
               if key in toy]
    theirs = toy["pytorch"]
    header = " | ".join(label for label, _ in engines)
    ratios = " | ".join(f"ratio {label.split()[1]}" for label, _ in engines)
    print(f"\n| whole toy experiment | {header} | PyTorch float32 | {ratios} |")
    print("|---" * (2 + 2 * len(engines)) + "|")

    def row(label, values, reference, unit="s", ratio=True):
        cells = " | ".join(f"{value:.1f} {unit}" for value in values)
        ratio_cells = " | ".join(f"{reference / value:.1f}x" if ratio else ""
                                 for value in values)
        print(f"| {label} | {cells} | {reference:.1f} {unit} | {ratio_cells} |")

    row("wall time", [run["wall"] for _, run in engines], theirs["wall"])
    row("CPU time (user + system)", [run["user"] + run["system"] for _, run in engines],
        theirs["user"] + theirs["system"])
    row("peak RSS", [run["peak_rss_mib"] for _, run in engines], theirs["peak_rss_mib"], "MiB",
        ratio=False)
    cells = " | ".join(f"{run['rss_profile_mib']} MiB" for _, run in engines)
    print(f"| RSS at 20/40/60/80/100 % of the run | {cells} | {theirs['rss_profile_mib']} MiB |"
          + " |" * len(engines))
    for phase in ("pretrain_classifier", "pretrain_adversary", "adversarial"):
        row(f"phase {phase} (wall)", [run["summary"]["seconds"][phase] for _, run in engines],
            theirs["summary"]["seconds"][phase])
    for label, key in (("plain", "plain"), ("pivoted", "pivot")):
        cells = " | ".join(f"{run['summary'][key]['auc']:.3f}, {run['summary'][key]['ks']:.3f}, "
                           f"{run['summary'][key]['L_r']:.4f}" for _, run in engines)
        other = theirs["summary"][key]
        print(f"| {label} classifier: AUC, KS, L_r | {cells} | {other['auc']:.3f}, "
              f"{other['ks']:.3f}, {other['L_r']:.4f} |" + " |" * len(engines))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", type=Path, default=Path("build"),
                        help="CMake build folder with the benchmark and toy programs")
    parser.add_argument("--repetitions", type=int, default=5,
                        help="repetitions per benchmark; the tables show their median")
    parser.add_argument("--min-time", type=float, default=0.2,
                        help="minimum seconds of each repetition")
    parser.add_argument("--float-build-dir", type=Path,
                        help="CMake build folder configured with -DPIVOT_SCALAR=float, whose "
                             "steps and toy run are timed as well")
    parser.add_argument("--skip-toy", action="store_true",
                        help="skip the whole toy runs (PyTorch's took about 1.5 minutes on "
                             "a Zen 4 core, 5 to 8 minutes on a Zen 1 core)")
    parser.add_argument("--json", type=Path, help="also write every number to this JSON file")
    arguments = parser.parse_args()
    build_dir = arguments.build_dir.resolve()
    float_build_dir = arguments.float_build_dir.resolve() if arguments.float_build_dir else None

    sys.path.insert(0, str(HERE))
    # Imported late so that --help works without PyTorch. torch_reference
    # first: it pins OpenBLAS to one thread before torch loads it.
    import torch_reference  # noqa: E402
    import torch  # noqa: E402

    results = {"machine": machine_description()}
    print("side_by_side: engine step benchmarks", file=sys.stderr)
    results["engine_steps"] = run_google_benchmark(
        build_dir / "experiments/benchmarks/step_benchmarks", arguments.repetitions,
        arguments.min_time, "step|pass")
    if float_build_dir:
        print("side_by_side: engine step benchmarks, float build", file=sys.stderr)
        results["engine_float_steps"] = run_google_benchmark(
            float_build_dir / "experiments/benchmarks/step_benchmarks", arguments.repetitions,
            arguments.min_time, "(toy|physics)_.*(step|pass)|mlp_step")
    print("side_by_side: engine matrix products", file=sys.stderr)
    results["matmul"] = run_google_benchmark(build_dir / "experiments/benchmarks/matmul_benchmarks",
                                             arguments.repetitions, arguments.min_time)
    if float_build_dir:
        # The rate of bare sgemm calls and the single-precision peak, for the
        # bounds of the float physics steps.
        results["matmul_float"] = run_google_benchmark(
            float_build_dir / "experiments/benchmarks/matmul_benchmarks", arguments.repetitions,
            arguments.min_time, "one_dgemm/.*/threads:1|peak_fma")
    print("side_by_side: PyTorch steps (float32, then float64)", file=sys.stderr)
    results["pytorch_float32"] = torch_reference.step_benchmarks(
        torch.float32, arguments.repetitions, arguments.min_time)
    results["pytorch_float64"] = torch_reference.step_benchmarks(
        torch.float64, arguments.repetitions, arguments.min_time, include_scaling=False)
    if not arguments.skip_toy:
        print("side_by_side: whole toy experiment, engine then PyTorch", file=sys.stderr)
        results["toy"] = run_toy_runs(build_dir, float_build_dir)
    results["load_average_end"] = [round(value, 2) for value in os.getloadavg()]

    # The numbers first, so that a failure in the tables loses none of them.
    if arguments.json:
        write_atomically(arguments.json, json.dumps(results, indent=2) + "\n")
    print_tables(results)


if __name__ == "__main__":
    main()
