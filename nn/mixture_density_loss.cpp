// nn::gaussian_mixture_nll (nn/losses.hpp): the negative log-likelihood of a
// mixture density head and its derivatives, computed in one pass.
//
// The head has few components (5 in the toy example), so a loop over the
// components of one row is too short to vectorize. The kernel therefore
// works on the transposed head, [3C, n]: each row there is one quantity of
// one component over the whole batch, and every loop runs over the batch.

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <span>

#include "autodiff/ops/kernels.hpp"
#include "autodiff/target_clones.hpp"
#include "autodiff/vector_math.hpp"
#include "nn/loss_weights.hpp"
#include "nn/losses.hpp"

namespace nn {
namespace {

using autodiff::GradientSink;
using autodiff::Scalar;
using autodiff::Shape;
using autodiff::shape_error;
using autodiff::shape_of;

namespace vm = autodiff::vector_math;

// Rows per tile of the kernel. A tile's arrays, 48 rows of this many elements
// for C = 5 (48 KiB in float, 96 KiB in double), fit in the level-2 cache
// whatever the batch size.
constexpr std::size_t tile_rows = 256;

// Copies x [n, m] into x_transposed [m, n].
void transpose_into(const Scalar* __restrict x, std::size_t rows, std::size_t cols,
                    Scalar* __restrict x_transposed) {
  for (std::size_t j = 0; j < cols; ++j) {
    for (std::size_t i = 0; i < rows; ++i) {
      x_transposed[j * rows + i] = x[i * cols + j];
    }
  }
}

// The loops below run over one component's row of a tile. Each is a function
// of its own, whose __restrict pointers let the compiler vectorize it without
// overlap tests.

// Sets y_i to max(y_i, x_i).
inline void maximum_into(const Scalar* __restrict x, std::size_t rows, Scalar* __restrict y) {
  for (std::size_t i = 0; i < rows; ++i) {
    y[i] = std::max(y[i], x[i]);
  }
}

// Sets y_i to x_i - m_i, where y may be x.
inline void subtract_into(const Scalar* x, const Scalar* __restrict m, std::size_t rows,
                          Scalar* y) {
  for (std::size_t i = 0; i < rows; ++i) {
    y[i] = x[i] - m[i];
  }
}

// Adds x_i to y_i.
inline void add_into(const Scalar* __restrict x, std::size_t rows, Scalar* __restrict y) {
  for (std::size_t i = 0; i < rows; ++i) {
    y[i] += x[i];
  }
}

// Multiplies y_i by x_i.
inline void multiply_into(const Scalar* __restrict x, std::size_t rows, Scalar* __restrict y) {
  for (std::size_t i = 0; i < rows; ++i) {
    y[i] *= x[i];
  }
}

// Writes u_i = (z_i - mu_i) e^-s_i and q_i = a_i - log_normalizer_i - u_i^2 / 2
// - s_i - log(2 pi) / 2 for one component.
inline void log_joint_into(std::size_t rows, const Scalar* __restrict z,
                           const Scalar* __restrict mu, const Scalar* __restrict s,
                           const Scalar* __restrict a, const Scalar* __restrict inverse_sigma,
                           const Scalar* __restrict log_normalizer, Scalar* __restrict u,
                           Scalar* __restrict q) {
  const Scalar half_log_two_pi = static_cast<Scalar>(0.5 * std::log(2.0 * std::numbers::pi));
  for (std::size_t i = 0; i < rows; ++i) {
    const Scalar standardized = (z[i] - mu[i]) * inverse_sigma[i];
    u[i] = standardized;
    q[i] = a[i] - log_normalizer[i] - Scalar{0.5} * standardized * standardized - s[i] -
           half_log_two_pi;
  }
}

// Writes the weighted derivatives of one component: with the weighted
// responsibility r_i = e^(q_i - max q) weight_i, where weight_i is the
// coefficient over the sum of the exponentials, dl/dmu = -r u e^-s,
// dl/ds = r (1 - u^2) and dl/da = coefficient pi - r. d_mu contains u on entry.
inline void derivatives_into(std::size_t rows, const Scalar* __restrict exps,
                             const Scalar* __restrict weight,
                             const Scalar* __restrict coefficient, const Scalar* __restrict pi,
                             const Scalar* __restrict inverse_sigma, Scalar* __restrict d_mu,
                             Scalar* __restrict d_s, Scalar* __restrict d_a) {
  for (std::size_t i = 0; i < rows; ++i) {
    const Scalar r = exps[i] * weight[i];
    const Scalar u = d_mu[i];

    // A row of weight 0 gets no gradient, even where its likelihood
    // underflows and r is NaN, and a component of responsibility 0 gets none
    // through u, even where u^2 or u e^-s overflows.
    const bool kept = coefficient[i] != 0;
    const bool responsible = kept && r != 0;
    const Scalar d_mean = -r * u * inverse_sigma[i];
    const Scalar d_log_sigma = r * (Scalar{1} - u * u);
    const Scalar d_logit = coefficient[i] * pi[i] - r;
    d_mu[i] = responsible ? d_mean : Scalar{0};
    d_s[i] = responsible ? d_log_sigma : Scalar{0};
    d_a[i] = kept ? d_logit : Scalar{0};
  }
}

// For x [C, n], one row per component, writes the per-sample maximum
// m_i = max_c x_ci into `maximum`, e^(x_ci - m_i) into `exps` (which may be
// x), their sum over c into `sum` and its logarithm into `log_sum`, so that
// log sum_c e^x_ci = m_i + log_sum_i without overflow.
AUTODIFF_TARGET_CLONES void exp_minus_maximum(const Scalar* x, std::size_t rows,
                                              std::size_t components, Scalar* exps,
                                              Scalar* maximum, Scalar* sum, Scalar* log_sum) {
  const std::size_t size = components * rows;
  std::copy(x, x + rows, maximum);
  for (std::size_t c = 1; c < components; ++c) {
    maximum_into(x + c * rows, rows, maximum);
  }
  for (std::size_t c = 0; c < components; ++c) {
    subtract_into(x + c * rows, maximum, rows, exps + c * rows);
  }
  vm::exp(std::span<const Scalar>(exps, size), std::span<Scalar>(exps, size));

  std::copy(exps, exps + rows, sum);
  for (std::size_t c = 1; c < components; ++c) {
    add_into(exps + c * rows, rows, sum);
  }
  vm::log(std::span<const Scalar>(sum, rows), std::span<Scalar>(log_sum, rows));
}

// Scratch arrays of one tile of `rows` samples and C components: [3C, rows]
// for the transposed head and its derivatives, [C, rows] for pi, e^-s and
// q, and [1, rows] for the per-sample maxima, sums and logarithms.
struct Tile {
  std::size_t rows;
  std::size_t components;
  Scalar* head;
  Scalar* derivatives;
  Scalar* prior;
  Scalar* inverse_sigma;
  Scalar* joint;
  Scalar* maximum;
  Scalar* sum;
  Scalar* log_sum;
};

// For the transposed head of one tile (rows c, C + c and 2C + c hold mu_c,
// s_c and a_c of every sample), returns the tile's share of the weighted
// mean of the loss. With `with_derivatives`, writes dl/dmu, dl/ds and dl/da,
// scaled by the coefficients of the mean, into tile.derivatives in the same
// layout.
AUTODIFF_TARGET_CLONES double mixture_nll_tile(const Tile& tile, const Scalar* z,
                                               const Scalar* coefficient, bool with_derivatives) {
  const std::size_t rows = tile.rows;
  const std::size_t components = tile.components;
  const std::size_t size = components * rows;
  const Scalar* mu = tile.head;
  const Scalar* s = mu + size;
  const Scalar* a = s + size;
  Scalar* pi = tile.prior;
  Scalar* inverse = tile.inverse_sigma;
  Scalar* q = tile.joint;
  Scalar* max_row = tile.maximum;
  Scalar* sum_row = tile.sum;
  Scalar* log_row = tile.log_sum;

  // The softmax of the mixture logits, pi_c = e^(a_c - max a) / sum, and
  // log sum_c e^a_c = max a + log sum.
  exp_minus_maximum(a, rows, components, pi, max_row, sum_row, log_row);
  for (std::size_t i = 0; i < rows; ++i) {
    max_row[i] += log_row[i];  // now log sum_c e^a_c
    sum_row[i] = Scalar{1} / sum_row[i];
  }
  for (std::size_t c = 0; c < components; ++c) {
    multiply_into(sum_row, rows, pi + c * rows);
  }

  // q_c = log pi_c + log N(z; mu_c, sigma_c), summed in log space because
  // the density itself underflows to 0 far in the tail. The mu block of the
  // derivatives keeps u_c until the derivatives replace it.
  Scalar* d_mu = tile.derivatives;
  Scalar* d_s = d_mu + size;
  Scalar* d_a = d_s + size;
  for (std::size_t k = 0; k < size; ++k) {
    inverse[k] = -s[k];
  }
  vm::exp(std::span<const Scalar>(inverse, size), std::span<Scalar>(inverse, size));
  for (std::size_t c = 0; c < components; ++c) {
    const std::size_t offset = c * rows;
    log_joint_into(rows, z, mu + offset, s + offset, a + offset, inverse + offset, max_row,
                   d_mu + offset, q + offset);
  }

  // log-likelihood = max q + log sum_c e^(q_c - max q), and the posterior
  // responsibilities r_c = softmax(q)_c.
  exp_minus_maximum(q, rows, components, q, max_row, sum_row, log_row);

  // l = -log-likelihood, weighted by the coefficients of the mean. sum_row
  // becomes the coefficient over the sum, which turns e^(q_c - max q) into
  // the weighted responsibility coefficient * r_c.
  double value = 0.0;
  for (std::size_t i = 0; i < rows; ++i) {
    const double log_likelihood = static_cast<double>(max_row[i]) + static_cast<double>(log_row[i]);
    if (coefficient[i] != 0) {  // a zero weight removes the row, even a NaN one
      value -= static_cast<double>(coefficient[i]) * log_likelihood;
    }
    sum_row[i] = coefficient[i] / sum_row[i];
  }
  if (!with_derivatives) {
    return value;
  }

  // dl/dmu_c = -r_c u_c e^-s_c, dl/ds_c = r_c (1 - u_c^2), dl/da_c = pi_c - r_c.
  for (std::size_t c = 0; c < components; ++c) {
    const std::size_t offset = c * rows;
    derivatives_into(rows, q + offset, sum_row, coefficient, pi + offset, inverse + offset,
                     d_mu + offset, d_s + offset, d_a + offset);
  }
  return value;
}

// Computes the weighted mean of the loss over the packed head [n, 3C] and,
// unless `derivatives` is null, writes its derivatives, scaled by the
// coefficients of the mean, into `derivatives` [n, 3C], tile by tile. Scratch
// arrays come from the tape's pool.
double mixture_nll(autodiff::Tape& tape, const Matrix& head, const Matrix& targets,
                   const Matrix& coefficients, Matrix* derivatives) {
  const std::size_t rows = head.shape(0);
  const std::size_t width = head.shape(1);
  const std::size_t components = width / 3;
  const std::size_t capacity = std::min(rows, tile_rows);

  Matrix transposed = tape.buffer({width, capacity});
  Matrix transposed_derivatives = tape.buffer({width, capacity});
  Matrix per_component = tape.buffer({3 * components, capacity});
  Matrix per_sample = tape.buffer({3, capacity});

  double value = 0.0;
  for (std::size_t first = 0; first < rows; first += capacity) {
    const std::size_t count = std::min(capacity, rows - first);
    const std::size_t size = components * count;
    const Tile tile{count,
                    components,
                    transposed.data(),
                    transposed_derivatives.data(),
                    per_component.data(),
                    per_component.data() + size,
                    per_component.data() + 2 * size,
                    per_sample.data(),
                    per_sample.data() + count,
                    per_sample.data() + 2 * count};

    transpose_into(head.data() + first * width, count, width, tile.head);
    value += mixture_nll_tile(tile, targets.data() + first, coefficients.data() + first,
                              derivatives != nullptr);
    if (derivatives != nullptr) {
      transpose_into(tile.derivatives, width, count, derivatives->data() + first * width);
    }
  }

  for (Matrix* scratch : {&transposed, &transposed_derivatives, &per_component, &per_sample}) {
    tape.recycle(std::move(*scratch));
  }
  return value;
}

// Records the loss `value` of `inputs`, whose derivatives `derivatives`
// [n, 3C] the forward pass computed, the means, log sigmas and mixture logits
// of each row side by side. The backward pass scales each input's block by
// the incoming gradient.
Variable record_mixture_loss(autodiff::Tape& tape, std::vector<Variable> inputs, double value,
                             Matrix derivatives) {
  Matrix result = tape.buffer({1, 1});
  result(0, 0) = static_cast<Scalar>(value);

  return tape.record(
      "gaussian_mixture_nll", std::move(result), std::move(inputs),
      [](const Matrix& g, GradientSink& sink) {
        const double scale = g(0, 0);
        const Matrix& saved = sink.saved();  // [n, 3C]
        const std::size_t rows = saved.shape(0);
        const std::size_t blocks = saved.shape(1) / sink.input(0).shape(1);

        for (std::size_t input = 0; input < blocks; ++input) {
          if (!sink.needs(input)) continue;
          const autodiff::GradientTarget target = sink.target(input);
          const std::size_t width = target.gradient.shape(1);
          for (std::size_t i = 0; i < rows; ++i) {
            const Scalar* block = saved.data() + i * saved.shape(1) + input * width;
            Scalar* gradient = target.gradient.data() + i * width;
            for (std::size_t c = 0; c < width; ++c) {
              gradient[c] =
                  static_cast<Scalar>((target.accumulate ? gradient[c] : 0.0) + scale * block[c]);
            }
          }
        }
      },
      std::move(derivatives));
}

}  // namespace

Variable gaussian_mixture_nll(Variable means, Variable log_sigmas, Variable mixture_logits,
                              const Matrix& targets, const Matrix* weights) {
  const char* loss = "gaussian_mixture_nll";
  const Shape shape = means.shape();
  if (log_sigmas.shape() != shape) {
    throw shape_error(loss, "log_sigmas must have the shape of the means", shape,
                      log_sigmas.shape());
  }
  if (mixture_logits.shape() != shape) {
    throw shape_error(loss, "mixture_logits must have the shape of the means", shape,
                      mixture_logits.shape());
  }
  if (shape[1] == 0) {
    throw shape_error(loss, "the head has no components; means must be [n, C] with C >= 1", shape);
  }
  if (shape_of(targets) != Shape{shape[0], 1}) {
    throw shape_error(loss, "targets must be [n, 1] for the n rows of the means", shape,
                      shape_of(targets));
  }
  const Matrix coefficients = mean_coefficients(loss, shape, weights);
  const std::size_t rows = shape[0];
  const std::size_t components = shape[1];

  // The three inputs side by side in one packed head [n, 3C].
  autodiff::Tape& tape = means.tape();
  Matrix head = tape.buffer({rows, 3 * components});
  const std::array<const Variable*, 3> inputs{&means, &log_sigmas, &mixture_logits};
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t block = 0; block < 3; ++block) {
      const Scalar* source = inputs[block]->value().data() + i * components;
      std::copy(source, source + components, head.data() + (3 * i + block) * components);
    }
  }

  // No derivatives while the tape records no gradients.
  Matrix derivatives = tape.gradients_enabled() ? tape.buffer({rows, 3 * components}) : Matrix();
  const double value = mixture_nll(tape, head, targets, coefficients,
                                   tape.gradients_enabled() ? &derivatives : nullptr);
  tape.recycle(std::move(head));
  return record_mixture_loss(tape, {means, log_sigmas, mixture_logits}, value,
                             std::move(derivatives));
}

Variable gaussian_mixture_nll(Variable head, const Matrix& targets, const Matrix* weights) {
  const char* loss = "gaussian_mixture_nll";
  const Shape shape = head.shape();
  if (shape[1] == 0 || shape[1] % 3 != 0) {
    throw shape_error(loss,
                      "the packed head must be [n, 3C] with C >= 1: means, log sigmas and "
                      "mixture logits side by side",
                      shape);
  }
  if (shape_of(targets) != Shape{shape[0], 1}) {
    throw shape_error(loss, "targets must be [n, 1] for the n rows of the head", shape,
                      shape_of(targets));
  }
  const Matrix coefficients = mean_coefficients(loss, shape, weights);

  autodiff::Tape& tape = head.tape();
  Matrix derivatives = tape.gradients_enabled() ? tape.buffer(shape) : Matrix();
  const double value = mixture_nll(tape, head.value(), targets, coefficients,
                                   tape.gradients_enabled() ? &derivatives : nullptr);
  return record_mixture_loss(tape, {head}, value, std::move(derivatives));
}

}  // namespace nn
