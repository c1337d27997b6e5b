#!/usr/bin/python3
"""PyTorch reference for the engine benchmarks: the same training steps as
step_benchmarks.cpp and the whole toy experiment of adversarial pivoting
(Louppe, Kagan and Cranmer, "Learning to Pivot with Adversarial Networks",
NeurIPS 2017, section 5.1), written for CPU with one thread.

Run `torch_reference.py toy` for the whole experiment with the paper's
settings, which prints one JSON line of results at the end, or import the
module for the step functions. side_by_side.py does both.
"""

import argparse
import json
import math
import os
import sys
import time

# PyTorch's matrix products go to the system BLAS (OpenBLAS on Debian). It
# starts one thread per core when it loads unless OPENBLAS_NUM_THREADS is
# set, and torch.set_num_threads does not change that. The engine's
# benchmarks run OpenBLAS on one thread, so the reference does too.
if "torch" in sys.modules:
    print("torch_reference: torch was imported first, so its OpenBLAS may run on more than "
          "one thread; import torch_reference before torch", file=sys.stderr)
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"

import torch  # noqa: E402
from torch import nn  # noqa: E402

LEARNING_RATE = 0.01
LAMBDA = 50.0
HALF_LOG_TWO_PI = 0.5 * math.log(2.0 * math.pi)


def use_one_thread():
    """Pins PyTorch to one intra-op and one inter-op thread. PyTorch accepts
    the inter-op setting only before its first parallel work, so later calls
    leave it."""
    torch.set_num_threads(1)
    if torch.get_num_interop_threads() != 1:
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:
            pass


# --- data -------------------------------------------------------------------


def toy_samples(count, generator, fixed_z=None, dtype=torch.float32):
    """Draws the toy data: y ~ Bernoulli(1/2), z ~ N(0, 1) (or fixed_z),
    X | y=0 ~ N((0, 0), [[1, -0.5], [-0.5, 1]]), X | y=1 ~ N((1, 1 + z), I).
    Returns X [n, 2], y [n, 1] and z [n, 1]."""
    y = (torch.rand(count, 1, generator=generator) < 0.5).to(dtype)
    if fixed_z is None:
        z = torch.randn(count, 1, generator=generator, dtype=dtype)
    else:
        z = torch.full((count, 1), float(fixed_z), dtype=dtype)
    u = torch.randn(count, 2, generator=generator, dtype=dtype)

    # Cholesky factor of the background covariance: [[1, 0], [-0.5, sqrt(0.75)]].
    background = torch.stack([u[:, 0], -0.5 * u[:, 0] + math.sqrt(0.75) * u[:, 1]], dim=1)
    signal = torch.stack([1.0 + u[:, 0], 1.0 + z[:, 0] + u[:, 1]], dim=1)
    X = torch.where(y == 1.0, signal, background)
    return X, y, z


def physics_samples(count, generator, dtype=torch.float32):
    """Draws 6 standard normal features shifted by 0.5 for y = 1 and, on the
    first three, by 0.3 for the binary nuisance z = 1, as
    benchmarks::draw_samples in training_steps.cpp does. Returns X [n, 6],
    y [n, 1] and z [n] (class indices)."""
    y = (torch.rand(count, 1, generator=generator) < 0.5).to(dtype)
    z = (torch.rand(count, generator=generator) < 0.5).long()
    shift = torch.zeros(count, 6, dtype=dtype)
    shift[:, :3] = 0.3 * z.to(dtype)[:, None]
    X = torch.randn(count, 6, generator=generator, dtype=dtype) + 0.5 * y + shift
    return X, y, z


# --- models and losses ------------------------------------------------------


def mlp(inputs, hidden, outputs, dtype):
    """Builds Linear/activation pairs for each (units, activation) of
    `hidden`, then a linear output; Glorot-uniform weights and zero biases."""
    layers = []
    width = inputs
    for units, activation in hidden:
        layers += [nn.Linear(width, units), activation()]
        width = units
    layers.append(nn.Linear(width, outputs))
    network = nn.Sequential(*layers).to(dtype)
    for module in network:
        if isinstance(module, nn.Linear):
            nn.init.xavier_uniform_(module.weight)
            nn.init.zeros_(module.bias)
    return network


def toy_players(dtype=torch.float32):
    """f: 2 -> 20 tanh -> 20 ReLU -> 1 logit; r: 1 -> 20 ReLU -> 20 ReLU ->
    15 outputs of a mixture density network with 5 components."""
    classifier = mlp(2, [(20, nn.Tanh), (20, nn.ReLU)], 1, dtype)
    adversary = mlp(1, [(20, nn.ReLU), (20, nn.ReLU)], 15, dtype)
    return classifier, adversary


def physics_players(dtype=torch.float32, width=64):
    """f: 6 -> 64 tanh -> 64 ReLU -> 64 ReLU -> 1; r: 1 -> 3 x 64 ReLU -> 2 logits."""
    classifier = mlp(6, [(width, nn.Tanh), (width, nn.ReLU), (width, nn.ReLU)], 1, dtype)
    adversary = mlp(1, [(64, nn.ReLU)] * 3, 2, dtype)
    return classifier, adversary


def mixture_nll(head, z):
    """Mean of -log sum_c pi_c N(z; mu_c, sigma_c) for a head [n, 3C] read as
    means, log standard deviations and mixture logits, in log space."""
    components = head.shape[1] // 3
    means, log_sigmas, logits = torch.split(head, components, dim=1)
    standardized = (z - means) * torch.exp(-log_sigmas)
    log_joint = (torch.log_softmax(logits, dim=1) - 0.5 * standardized**2 - log_sigmas -
                 HALF_LOG_TWO_PI)
    return -torch.logsumexp(log_joint, dim=1).mean()


bce_with_logits = nn.functional.binary_cross_entropy_with_logits
cross_entropy = nn.functional.cross_entropy


class PlayerPair:
    """The players, their SGD optimizers and one fixed minibatch, with the
    same steps as benchmarks::PlayerPair in training_steps.cpp."""

    def __init__(self, problem, batch_size, dtype=torch.float32, seed=1):
        torch.manual_seed(seed)
        generator = torch.Generator().manual_seed(seed)
        self.problem = problem
        if problem == "toy":
            self.classifier, self.adversary = toy_players(dtype)
            self.X, self.y, self.z = toy_samples(batch_size, generator, dtype=dtype)
            self.adversary_loss = mixture_nll
        else:
            self.classifier, self.adversary = physics_players(dtype)
            self.X, self.y, self.z = physics_samples(batch_size, generator, dtype=dtype)
            self.adversary_loss = cross_entropy
        self.classifier_parameters = list(self.classifier.parameters())
        self.classifier_optimizer = torch.optim.SGD(self.classifier_parameters, lr=LEARNING_RATE)
        self.adversary_optimizer = torch.optim.SGD(self.adversary.parameters(), lr=LEARNING_RATE)
        with torch.no_grad():
            self.scores = torch.sigmoid(self.classifier(self.X))

    def classifier_step(self):
        self.classifier_optimizer.zero_grad()
        loss = bce_with_logits(self.classifier(self.X), self.y)
        loss.backward()
        self.classifier_optimizer.step()

    def adversary_step(self):
        self.adversary_optimizer.zero_grad()
        loss = self.adversary_loss(self.adversary(self.scores), self.z)
        loss.backward()
        self.adversary_optimizer.step()

    def combined_step(self):
        # Backward reaches f's parameters only, as the engine's does.
        self.classifier_optimizer.zero_grad()
        logits = self.classifier(self.X)
        value = (bce_with_logits(logits, self.y) -
                 LAMBDA * self.adversary_loss(self.adversary(torch.sigmoid(logits)), self.z))
        value.backward(inputs=self.classifier_parameters)
        self.classifier_optimizer.step()


def validation_losses(classifier, adversary, X, y, z):
    """L_f, L_r and L_f - lambda L_r of the toy players on a whole data set."""
    with torch.no_grad():
        logits = classifier(X)
        loss_f = bce_with_logits(logits, y).item()
        loss_r = mixture_nll(adversary(torch.sigmoid(logits)), z).item()
    return {"L_f": loss_f, "L_r": loss_r, "value": loss_f - LAMBDA * loss_r}


class MlpStep:
    """One SGD step of 6 -> w tanh -> w ReLU -> w ReLU -> 1 on binary
    cross-entropy at batch n, as mlp_step in step_benchmarks.cpp."""

    def __init__(self, batch, width, dtype=torch.float32):
        torch.manual_seed(1)
        generator = torch.Generator().manual_seed(1)
        self.network, _ = physics_players(dtype, width)
        self.X, self.y, _ = physics_samples(batch, generator, dtype=dtype)
        self.optimizer = torch.optim.SGD(self.network.parameters(), lr=LEARNING_RATE)

    def __call__(self):
        self.optimizer.zero_grad()
        bce_with_logits(self.network(self.X), self.y).backward()
        self.optimizer.step()


class MatmulForwardBackward:
    """sum(A B) and its gradients with respect to A and B, for n x n arrays."""

    def __init__(self, n, dtype=torch.float64):
        generator = torch.Generator().manual_seed(1)
        self.a = (2 * torch.rand(n, n, generator=generator, dtype=dtype) - 1).requires_grad_()
        self.b = (2 * torch.rand(n, n, generator=generator, dtype=dtype) - 1).requires_grad_()

    def __call__(self):
        self.a.grad = None
        self.b.grad = None
        (self.a @ self.b).sum().backward()


# --- timing -----------------------------------------------------------------


def median_step_seconds(step, repetitions=5, min_seconds=0.2):
    """Median over `repetitions` of the CPU time per call of `step`, each
    repetition running enough calls to take about `min_seconds`. CPU time of
    the process (all threads, in case a library starts its own), so that
    other load on the machine inflates it less than wall time."""
    calls = 1
    while True:
        start = time.process_time()
        for _ in range(calls):
            step()
        elapsed = time.process_time() - start
        if elapsed >= min_seconds / 4 or calls >= 1 << 24:
            break
        calls *= 4
    calls = max(1, int(calls * min_seconds / max(elapsed, 1e-9)))

    samples = []
    for _ in range(repetitions):
        start = time.process_time()
        for _ in range(calls):
            step()
        samples.append((time.process_time() - start) / calls)
    samples.sort()
    return samples[len(samples) // 2]


def step_benchmarks(dtype=torch.float32, repetitions=5, min_seconds=0.2, include_scaling=True):
    """Returns {benchmark name: median seconds per call}, with the names of
    step_benchmarks.cpp and matmul_benchmarks.cpp."""
    use_one_thread()
    results = {}

    def run(name, step):
        results[name] = median_step_seconds(step, repetitions, min_seconds)

    toy32 = PlayerPair("toy", 32, dtype)
    run("toy_classifier_step/32", toy32.classifier_step)
    toy128 = PlayerPair("toy", 128, dtype)
    run("toy_adversary_step/128", toy128.adversary_step)
    run("toy_combined_step/128", toy128.combined_step)

    generator = torch.Generator().manual_seed(2)
    X, y, z = toy_samples(50000, generator, dtype=dtype)
    run("toy_validation_pass/50000",
        lambda: validation_losses(toy128.classifier, toy128.adversary, X, y, z))

    for batch in (128, 1024):
        physics = PlayerPair("physics", batch, dtype)
        run(f"physics_classifier_step/{batch}", physics.classifier_step)
        run(f"physics_adversary_step/{batch}", physics.adversary_step)
        run(f"physics_combined_step/{batch}", physics.combined_step)

    if include_scaling:
        for batch, width in ((32, 64), (128, 64), (512, 64), (2048, 64), (8192, 64), (128, 16),
                             (128, 32), (128, 128), (128, 256), (128, 512)):
            run(f"mlp_step/batch:{batch}/width:{width}", MlpStep(batch, width, dtype))
    # Always double: the comparison is with bare dgemm.
    run("matmul_forward_backward/n:512/threads:1", MatmulForwardBackward(512, torch.float64))
    return results


# --- the whole toy experiment ---------------------------------------------


def ks_distance(a, b):
    """Kolmogorov-Smirnov distance between the empirical distributions of two 1-D tensors."""
    values = torch.cat([a, b]).sort().values
    cdf_a = torch.searchsorted(a.sort().values, values, right=True).double() / len(a)
    cdf_b = torch.searchsorted(b.sort().values, values, right=True).double() / len(b)
    return (cdf_a - cdf_b).abs().max().item()


def roc_auc(scores, labels):
    """Area under the ROC curve by the rank-sum (Mann-Whitney) formula; ties
    are broken by position, which is exact for continuous scores."""
    order = scores.argsort()
    ranks = torch.empty_like(order, dtype=torch.float64)
    ranks[order] = torch.arange(1, len(scores) + 1, dtype=torch.float64)
    positive = labels == 1.0
    n_positive = positive.sum().item()
    n_negative = len(labels) - n_positive
    rank_sum = ranks[positive].sum().item()
    return (rank_sum - n_positive * (n_positive + 1) / 2) / (n_positive * n_negative)


def classifier_report(classifier, adversary, validation, nuisance):
    X, y, z = validation
    losses = validation_losses(classifier, adversary, X, y, z)
    with torch.no_grad():
        auc = roc_auc(torch.sigmoid(classifier(X))[:, 0], y[:, 0])
        low, high = (torch.sigmoid(classifier(nuisance[value][0]))[:, 0] for value in (-1, 1))
    return {**losses, "auc": auc, "ks": ks_distance(low, high)}


def run_toy(seed=1, iterations=200, adversary_steps=500, classifier_epochs=50, adversary_epochs=20,
            samples=125000, validation=50000, density_samples=200000, log=sys.stderr):
    """Runs the toy experiment with the paper's settings (float32, SGD with
    learning rate 0.01 in every phase) and returns the reports of the plain
    and the pivoted classifier and the seconds of each phase."""
    use_one_thread()
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    seconds = {}
    start = time.perf_counter()

    X, y, z = toy_samples(samples, generator)
    permutation = torch.randperm(samples, generator=generator)
    train = [t[permutation[validation:]] for t in (X, y, z)]
    valid = [t[permutation[:validation]] for t in (X, y, z)]
    nuisance = {value: toy_samples(density_samples, generator, fixed_z=value)
                for value in (-1, 1)}
    classifier, adversary = toy_players()
    n_train = len(train[0])

    def epochs(count, batch, step):
        for _ in range(count):
            order = torch.randperm(n_train, generator=generator)
            for begin in range(0, n_train, batch):
                step(order[begin:begin + batch])

    # Pretrain f on L_f: 50 epochs of batch 32.
    phase = time.perf_counter()
    optimizer_f = torch.optim.SGD(classifier.parameters(), lr=LEARNING_RATE)

    def classifier_step(rows):
        optimizer_f.zero_grad()
        bce_with_logits(classifier(train[0][rows]), train[1][rows]).backward()
        optimizer_f.step()

    epochs(classifier_epochs, 32, classifier_step)
    seconds["pretrain_classifier"] = time.perf_counter() - phase

    # Pretrain r on L_r with f fixed: 20 epochs of batch 32.
    phase = time.perf_counter()
    optimizer_r = torch.optim.SGD(adversary.parameters(), lr=LEARNING_RATE)
    with torch.no_grad():
        train_scores = torch.sigmoid(classifier(train[0]))

    def adversary_step(scores, targets):
        optimizer_r.zero_grad()
        mixture_nll(adversary(scores), targets).backward()
        optimizer_r.step()

    epochs(adversary_epochs, 32, lambda rows: adversary_step(train_scores[rows], train[2][rows]))
    seconds["pretrain_adversary"] = time.perf_counter() - phase

    plain = classifier_report(classifier, adversary, valid, nuisance)
    print(f"torch toy: plain {plain}", file=log)

    # Adversarial phase: T = 200 iterations of K = 500 steps of r, then one
    # step of f on L_f - lambda L_r, each on M = 128 rows, and the validation
    # losses after each iteration.
    phase = time.perf_counter()
    optimizer_f = torch.optim.SGD(classifier.parameters(), lr=LEARNING_RATE)
    optimizer_r = torch.optim.SGD(adversary.parameters(), lr=LEARNING_RATE)
    classifier_parameters = list(classifier.parameters())
    history = []
    for _ in range(iterations):
        for _ in range(adversary_steps):
            rows = torch.randint(n_train, (128,), generator=generator)
            with torch.no_grad():
                scores = torch.sigmoid(classifier(train[0][rows]))
            adversary_step(scores, train[2][rows])

        rows = torch.randint(n_train, (128,), generator=generator)
        optimizer_f.zero_grad()
        logits = classifier(train[0][rows])
        value = (bce_with_logits(logits, train[1][rows]) -
                 LAMBDA * mixture_nll(adversary(torch.sigmoid(logits)), train[2][rows]))
        value.backward(inputs=classifier_parameters)
        optimizer_f.step()
        history.append(validation_losses(classifier, adversary, *valid))
    seconds["adversarial"] = time.perf_counter() - phase

    pivoted = classifier_report(classifier, adversary, valid, nuisance)
    print(f"torch toy: pivoted {pivoted}", file=log)
    seconds["total"] = time.perf_counter() - start
    return {"plain": plain, "pivot": pivoted, "seconds": seconds, "last": history[-1]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["toy", "steps"],
                        help="toy: the whole toy experiment; steps: the step benchmarks")
    parser.add_argument("--iterations", type=int, default=200, help="adversarial iterations T")
    parser.add_argument("--adversary-steps", type=int, default=500,
                        help="adversary steps K per iteration")
    parser.add_argument("--pretrain-classifier-epochs", type=int, default=50,
                        help="epochs of classifier pretraining")
    parser.add_argument("--pretrain-adversary-epochs", type=int, default=20,
                        help="epochs of adversary pretraining")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32",
                        help="floating-point type of the step benchmarks")
    arguments = parser.parse_args()

    if arguments.command == "toy":
        result = run_toy(iterations=arguments.iterations,
                         adversary_steps=arguments.adversary_steps,
                         classifier_epochs=arguments.pretrain_classifier_epochs,
                         adversary_epochs=arguments.pretrain_adversary_epochs)
    else:
        result = step_benchmarks(getattr(torch, arguments.dtype))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
