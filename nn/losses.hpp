#pragma once

// Training losses, each one fused op on the tape.
//
// Every loss computes a per-sample loss l_i and returns the weighted mean
// sum_i w_i l_i / sum_i w_i as a [1, 1] Variable, or the plain mean over the
// n samples when `weights` is null. `weights` is an optional [n, 1] column of
// finite, non-negative numbers with a positive sum. A zero weight removes its
// sample from the loss and from the gradient. The sum of the weights is the
// denominator, whereas PyTorch's BCELoss with `weight` and reduction 'mean'
// divides by n.
//
// Every loss throws std::invalid_argument
// - naming the loss and both shapes when targets or weights do not match the
//   predictions (message format of autodiff::shape_error);
// - for an empty batch, a negative or non-finite weight, or a zero total weight.
//
// The forward pass also computes d loss / d input, because it reuses the
// intermediate values of the forward pass. The backward function keeps that
// array, of the input's shape, and scales it by the incoming gradient.

#include <cstddef>

#include "autodiff/matrix.hpp"
#include "autodiff/tape.hpp"

namespace nn {

using autodiff::Matrix;
using autodiff::Scalar;
using autodiff::Variable;

// Binary cross-entropy of probabilities p [n, 1] against targets y [n, 1]:
//   l = -(y max(log p, -100) + (1 - y) max(log(1 - p), -100)).
// The clamp at -100 (as in PyTorch's BCELoss) keeps the loss and gradient
// finite at p = 0 and p = 1, so that p = 0 with y = 1 gives l = 100.
//   dl/dp = -y / p [log p > -100] + (1 - y) / (1 - p) [log(1 - p) > -100],
// so a log term whose clamp is active passes no gradient.
// Also throws std::invalid_argument naming the row and value for a probability
// or a target outside [0, 1] (NaN included). Soft targets in (0, 1) are valid.
Variable binary_cross_entropy(Variable probabilities, const Matrix& targets,
                              const Matrix* weights = nullptr);

// Binary cross-entropy of sigmoid(x) for logits x [n, 1] against targets
// y [n, 1], in the stable form
//   l = softplus(x) - y x = max(x, 0) + log(1 + e^-|x|) - y x,
// finite for any finite x (l(1000, y = 0) = 1000).  dl/dx = sigmoid(x) - y.
// Also throws std::invalid_argument naming the row and value for a target
// outside [0, 1] (NaN included). Soft targets in (0, 1) are valid.
Variable binary_cross_entropy_with_logits(Variable logits, const Matrix& targets,
                                          const Matrix* weights = nullptr);

// Cross-entropy of softmax(x) for logits x [n, k] against targets t [n, k],
// one-hot or soft (rows of probabilities):
//   l = -sum_k t_k log_softmax(x)_k = sum_k t_k (logsumexp(x) - x_k).
//   dl/dx_k = softmax(x)_k sum_j t_j - t_k, which is softmax(x) - t when the
// targets of a row sum to 1.
Variable categorical_cross_entropy(Variable logits, const Matrix& one_hot_targets,
                                   const Matrix* weights = nullptr);

// Converts class indices [n, 1] (integer-valued doubles in [0, class_count))
// into one-hot rows [n, class_count]. Throws std::invalid_argument for a
// second column, a zero class_count, or an index that is not an integer or
// out of range, naming the row and the value.
Matrix one_hot(const Matrix& class_indices, std::size_t class_count);

// Mean squared error of predictions p [n, m] against targets t [n, m]:
//   l = sum_j (p_j - t_j)^2 / m.   dl/dp_j = 2 (p_j - t_j) / m.
Variable mean_squared_error(Variable predictions, const Matrix& targets,
                            const Matrix* weights = nullptr);

// Negative log-likelihood of a mixture density network head with C Gaussian
// components (Bishop 1994). Inputs, each [n, C]: the means mu, the log standard
// deviations s (sigma = e^s, the exponential activation) and the mixture
// logits a (pi = softmax(a)). Targets z are [n, 1]. With u_c = (z - mu_c) e^-s_c,
//   q_c = log_softmax(a)_c - u_c^2 / 2 - s_c - log(2 pi) / 2,
//   l = -log sum_c pi_c N(z; mu_c, sigma_c) = -logsumexp_c q_c,
// finite for targets far in the tail (z = 1e3 with sigma = 1). With the
// posterior responsibilities r_c = softmax(q)_c:
//   dl/dmu_c = -r_c u_c e^-s_c,   dl/ds_c = r_c (1 - u_c^2),   dl/da_c = pi_c - r_c.
// The three inputs must be on the same tape; Tape::record throws
// std::logic_error otherwise.
Variable gaussian_mixture_nll(Variable means, Variable log_sigmas, Variable mixture_logits,
                              const Matrix& targets, const Matrix* weights = nullptr);

// The same loss on a packed head [n, 3C], the output of one dense layer with
// the means in columns [0, C), the log standard deviations in [C, 2C) and the
// mixture logits in [2C, 3C). It records one tape node instead of three
// column slices and the loss. The value and gradients equal those of the
// version above.
Variable gaussian_mixture_nll(Variable head, const Matrix& targets,
                              const Matrix* weights = nullptr);

}  // namespace nn
