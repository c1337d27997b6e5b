#include "nn/losses.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <iomanip>
#include <limits>
#include <numbers>
#include <sstream>
#include <stdexcept>
#include <string>

#include "autodiff/ops/kernels.hpp"
#include "autodiff/vector_math.hpp"

namespace nn {
namespace {

using autodiff::GradientSink;
using autodiff::Shape;
using autodiff::shape_error;
using autodiff::shape_of;

// PyTorch's BCELoss clamps each log term below at this value.
constexpr double log_floor = -100.0;

// Formats a double with enough digits to tell 2 from 2.0000000001.
std::string format_number(double value) {
  std::ostringstream stream;
  stream << std::setprecision(std::numeric_limits<double>::max_digits10) << value;
  return stream.str();
}

// Returns the coefficients c_i = w_i / sum_j w_j, [n, 1], that turn per-sample
// losses into their weighted mean, or c_i = 1 / n when `weights` is null.
Matrix mean_coefficients(const char* loss, const Shape& predictions, const Matrix* weights) {
  const std::size_t rows = predictions[0];
  if (rows == 0) {
    throw shape_error(loss, "the batch has no samples", predictions);
  }
  if (weights == nullptr) {
    return Matrix(Shape{rows, 1}, static_cast<Scalar>(1.0 / static_cast<double>(rows)));
  }

  if (shape_of(*weights) != Shape{rows, 1}) {
    throw shape_error(loss, "weights must be [n, 1] for the n rows of the predictions", predictions,
                      shape_of(*weights));
  }
  // One branch-free pass sums the weights and notes whether any is negative,
  // infinite or NaN (NaN fails both comparisons). Only then a second pass
  // looks for the first such row, to name it.
  const Scalar* values = weights->data();
  constexpr Scalar largest = std::numeric_limits<Scalar>::max();
  double total = 0.0;
  bool all_valid = true;
  for (std::size_t i = 0; i < rows; ++i) {
    total += values[i];
    all_valid &= values[i] >= 0 && values[i] <= largest;
  }
  if (!all_valid) {
    for (std::size_t i = 0; i < rows; ++i) {
      if (!(values[i] >= 0 && values[i] <= largest)) {
        throw std::invalid_argument(std::string(loss) + ": the weight of row " +
                                    std::to_string(i) + " is " + format_number(values[i]) +
                                    "; weights must be finite and non-negative");
      }
    }
  }
  if (total == 0.0) {
    throw std::invalid_argument(std::string(loss) +
                                ": the weights sum to zero; give at least one sample a positive "
                                "weight");
  }
  if (!std::isfinite(total)) {
    throw std::invalid_argument(std::string(loss) +
                                ": the sum of the weights overflows to infinity; rescale them");
  }

  Matrix coefficients(Shape{rows, 1});
  Scalar* out = coefficients.data();
  for (std::size_t i = 0; i < rows; ++i) {
    out[i] = static_cast<Scalar>(values[i] / total);
  }
  return coefficients;
}

// Throws unless every target is in [0, 1], the range of a binary
// cross-entropy target; NaN fails the comparison too.
void check_binary_targets(const char* loss, const Matrix& targets) {
  for (std::size_t i = 0; i < targets.shape(0); ++i) {
    const double target = targets(i, 0);
    if (!(target >= 0.0 && target <= 1.0)) {
      throw std::invalid_argument(std::string(loss) + ": the target in row " + std::to_string(i) +
                                  " is " + format_number(target) +
                                  "; targets must lie in [0, 1]: 0 or 1 for a class label, or "
                                  "a probability for a soft label");
    }
  }
}

// Records a [1, 1] loss of one input whose derivative d loss / d input the
// forward pass computed. The tape keeps the derivative as the node's saved
// array, and the backward function scales it by the incoming gradient.
Variable record_loss(const char* loss, Variable input, double value, Matrix derivative) {
  autodiff::Tape& tape = input.tape();
  Matrix result = tape.buffer({1, 1});
  result(0, 0) = static_cast<Scalar>(value);

  return tape.record(
      loss, std::move(result), {input},
      [](const Matrix& g, GradientSink& sink) {
        if (!sink.needs(0)) return;
        const double scale = g(0, 0);
        const Scalar* saved = sink.saved().data();
        autodiff::kernels::write(sink.target(0),
                                 [scale, saved](std::size_t k) { return scale * saved[k]; });
      },
      std::move(derivative));
}

// Writes e^-|x_k| for every element of x into a tape buffer of x's shape, in
// one vectorized pass; never above 1, so it cannot overflow.
Matrix exp_of_minus_magnitude(autodiff::Tape& tape, const Matrix& x) {
  Matrix result = tape.buffer(shape_of(x));
  Scalar* out = result.data();
  for (std::size_t k = 0; k < x.size(); ++k) {
    out[k] = -std::abs(x.data()[k]);
  }
  autodiff::vector_math::exp(autodiff::kernels::elements(result),
                             autodiff::kernels::elements(result));
  return result;
}

// For each row i of x [n, C], writes e^(x_ic - max_c x_ic) into `exps` and
// log sum_c e^(x_ic) = max + log sum_c e^(x_ic - max) into `log_sums` [n, 1],
// then divides each row of `exps` by its sum, giving softmax(x). `exps` may
// be x itself.
void exp_minus_row_maximum(const Matrix& x, Matrix& exps, Matrix& log_sums) {
  const std::size_t rows = x.shape(0);
  const std::size_t cols = x.shape(1);
  for (std::size_t i = 0; i < rows; ++i) {
    const Scalar* row = x.data() + i * cols;
    const Scalar maximum = *std::max_element(row, row + cols);
    log_sums.data()[i] = maximum;
    Scalar* shifted = exps.data() + i * cols;
    for (std::size_t j = 0; j < cols; ++j) {
      shifted[j] = row[j] - maximum;
    }
  }

  autodiff::vector_math::exp(autodiff::kernels::elements(exps),
                             autodiff::kernels::elements(exps));

  for (std::size_t i = 0; i < rows; ++i) {
    Scalar* row = exps.data() + i * cols;
    double sum = 0.0;
    for (std::size_t j = 0; j < cols; ++j) {
      sum += row[j];
    }
    log_sums.data()[i] += static_cast<Scalar>(std::log(sum));
    for (std::size_t j = 0; j < cols; ++j) {
      row[j] = static_cast<Scalar>(row[j] / sum);
    }
  }
}

}  // namespace

Variable binary_cross_entropy(Variable probabilities, const Matrix& targets,
                              const Matrix* weights) {
  const char* loss = "binary_cross_entropy";
  const Shape shape = probabilities.shape();
  if (shape[1] != 1 || shape_of(targets) != shape) {
    throw shape_error(loss, "probabilities and targets must both be [n, 1]", shape,
                      shape_of(targets));
  }
  const Matrix coefficients = mean_coefficients(loss, shape, weights);
  check_binary_targets(loss, targets);

  const Matrix& p = probabilities.value();
  double value = 0.0;
  Matrix derivative = probabilities.tape().buffer(shape);  // [n, 1]
  for (std::size_t i = 0; i < shape[0]; ++i) {
    const double probability = p(i, 0);
    if (!(probability >= 0.0 && probability <= 1.0)) {
      throw std::invalid_argument(std::string(loss) + ": the probability in row " +
                                  std::to_string(i) + " is " + format_number(probability) +
                                  "; probabilities must lie in [0, 1], so apply a sigmoid or "
                                  "use binary_cross_entropy_with_logits");
    }
    const double y = targets(i, 0);
    const double log_p = std::log(probability);     // -inf at p = 0
    const double log_q = std::log1p(-probability);  // log(1 - p), -inf at p = 1

    value -= coefficients(i, 0) *
             (y * std::max(log_p, log_floor) + (1.0 - y) * std::max(log_q, log_floor));

    // A clamped log term is constant, so it passes no gradient.
    double slope = 0.0;
    if (log_p > log_floor) {
      slope -= y / probability;
    }
    if (log_q > log_floor) {
      slope += (1.0 - y) / (1.0 - probability);
    }
    derivative(i, 0) = static_cast<Scalar>(coefficients(i, 0) * slope);
  }

  return record_loss(loss, probabilities, value, std::move(derivative));
}

Variable binary_cross_entropy_with_logits(Variable logits, const Matrix& targets,
                                          const Matrix* weights) {
  const char* loss = "binary_cross_entropy_with_logits";
  const Shape shape = logits.shape();
  if (shape[1] != 1 || shape_of(targets) != shape) {
    throw shape_error(loss, "logits and targets must both be [n, 1]", shape, shape_of(targets));
  }
  const Matrix coefficients = mean_coefficients(loss, shape, weights);
  check_binary_targets(loss, targets);

  const Matrix& x = logits.value();
  autodiff::Tape& tape = logits.tape();
  Matrix e = exp_of_minus_magnitude(tape, x);  // [n, 1]
  double value = 0.0;
  Matrix derivative = tape.buffer(shape);  // [n, 1]
  for (std::size_t i = 0; i < shape[0]; ++i) {
    const double logit = x(i, 0);
    const double y = targets(i, 0);

    // softplus(x) = max(x, 0) + log(1 + e^-|x|), and sigmoid(x) from e^-|x|
    // too, so nothing overflows.
    const double softplus = std::max(logit, 0.0) + std::log1p(e(i, 0));
    const double sigmoid = logit >= 0.0 ? 1.0 / (1.0 + e(i, 0)) : e(i, 0) / (1.0 + e(i, 0));
    value += coefficients(i, 0) * (softplus - y * logit);
    derivative(i, 0) = static_cast<Scalar>(coefficients(i, 0) * (sigmoid - y));
  }
  tape.recycle(std::move(e));

  return record_loss(loss, logits, value, std::move(derivative));
}

Variable categorical_cross_entropy(Variable logits, const Matrix& one_hot_targets,
                                   const Matrix* weights) {
  const char* loss = "categorical_cross_entropy";
  const Shape shape = logits.shape();
  if (shape[1] == 0 || shape_of(one_hot_targets) != shape) {
    throw shape_error(loss, "logits and targets must both be [n, k] with k >= 1", shape,
                      shape_of(one_hot_targets));
  }
  const Matrix coefficients = mean_coefficients(loss, shape, weights);

  const Matrix& x = logits.value();
  const Matrix& t = one_hot_targets;
  autodiff::Tape& tape = logits.tape();
  Matrix softmax = tape.buffer(shape);               // [n, k]
  Matrix log_normalizers = tape.buffer({shape[0], 1});  // logsumexp of each row
  exp_minus_row_maximum(x, softmax, log_normalizers);

  double value = 0.0;
  Matrix derivative = tape.buffer(shape);  // [n, k]
  for (std::size_t i = 0; i < shape[0]; ++i) {
    const double log_normalizer = log_normalizers(i, 0);

    // l = sum_k t_k (logsumexp(x) - x_k): a difference of finite numbers, so it
    // never evaluates log(0) as log(softmax(x)) could.
    double sample_loss = 0.0;
    double target_sum = 0.0;
    for (std::size_t k = 0; k < shape[1]; ++k) {
      sample_loss += t(i, k) * (log_normalizer - x(i, k));
      target_sum += t(i, k);
    }
    value += coefficients(i, 0) * sample_loss;

    for (std::size_t k = 0; k < shape[1]; ++k) {
      derivative(i, k) =
          static_cast<Scalar>(coefficients(i, 0) * (softmax(i, k) * target_sum - t(i, k)));
    }
  }
  tape.recycle(std::move(softmax));
  tape.recycle(std::move(log_normalizers));

  return record_loss(loss, logits, value, std::move(derivative));
}

Matrix one_hot(const Matrix& class_indices, std::size_t class_count) {
  if (class_indices.shape(1) != 1) {
    throw shape_error("one_hot", "class indices must be [n, 1]", shape_of(class_indices));
  }
  if (class_count == 0) {
    throw std::invalid_argument("one_hot: class_count is 0; pass the number of classes (>= 1)");
  }

  const std::size_t rows = class_indices.shape(0);
  Matrix result = xt::zeros<Scalar>({rows, class_count});  // [n, class_count]
  for (std::size_t i = 0; i < rows; ++i) {
    const double index = class_indices(i, 0);
    // The message is built on failure only: formatting it for every row cost
    // more than the rest of a training step.
    const auto prefix = [&] {
      return "one_hot: row " + std::to_string(i) + " has class index " + format_number(index);
    };
    if (std::floor(index) != index) {  // also true for NaN
      throw std::invalid_argument(prefix() +
                                  ", which is not an integer; pass integer class indices");
    }
    if (index < 0.0 || index >= static_cast<double>(class_count)) {
      throw std::invalid_argument(prefix() + ", outside [0, " + std::to_string(class_count) +
                                  "); pass indices below class_count or raise class_count");
    }
    result(i, static_cast<std::size_t>(index)) = 1.0;
  }
  return result;
}

Variable mean_squared_error(Variable predictions, const Matrix& targets, const Matrix* weights) {
  const char* loss = "mean_squared_error";
  const Shape shape = predictions.shape();
  if (shape[1] == 0 || shape_of(targets) != shape) {
    throw shape_error(loss, "predictions and targets must both be [n, m] with m >= 1", shape,
                      shape_of(targets));
  }
  const Matrix coefficients = mean_coefficients(loss, shape, weights);

  const Matrix& p = predictions.value();
  const double columns = static_cast<double>(shape[1]);
  double value = 0.0;
  Matrix derivative = predictions.tape().buffer(shape);  // [n, m]
  for (std::size_t i = 0; i < shape[0]; ++i) {
    double squared_error = 0.0;
    for (std::size_t j = 0; j < shape[1]; ++j) {
      const double residual = p(i, j) - targets(i, j);
      squared_error += residual * residual;
      derivative(i, j) = static_cast<Scalar>(coefficients(i, 0) * 2.0 * residual / columns);
    }
    value += coefficients(i, 0) * squared_error / columns;
  }

  return record_loss(loss, predictions, value, std::move(derivative));
}

namespace {

// Computes the loss and its derivatives for the [n, C] means mu, log standard
// deviations s and mixture logits a of gaussian_mixture_nll (losses.hpp).
// Returns the weighted mean of l over the rows and writes dl/dmu, dl/ds and
// dl/da side by side into `derivatives` [n, 3C], scaled by the coefficients
// of the mean. Scratch arrays come from the tape's pool.
double mixture_nll(autodiff::Tape& tape, const Matrix& mu, const Matrix& s, const Matrix& a,
                   const Matrix& targets, const Matrix& coefficients, Matrix& derivatives) {
  const std::size_t rows = mu.shape(0);
  const std::size_t components = mu.shape(1);
  const Shape shape = shape_of(mu);
  const double half_log_two_pi = 0.5 * std::log(2.0 * std::numbers::pi);

  // Every exponential is one vectorized pass over an [n, C] array: e^-s_c,
  // e^(a_c - max a) for the mixture weights, and e^(q_c - max q) for the
  // posterior responsibilities.
  Matrix inverse_sigma = tape.buffer(shape);  // [n, C], e^-s_c
  Matrix prior = tape.buffer(shape);          // [n, C], e^(a_c - max a), then pi_c
  Matrix joint = tape.buffer(shape);          // [n, C], q_c, then r_c
  Matrix standardized = tape.buffer(shape);   // [n, C], u_c = (z - mu_c) e^-s_c
  Matrix log_prior_normalizer = tape.buffer({rows, 1});  // logsumexp_c a_c
  for (std::size_t k = 0; k < s.size(); ++k) {
    inverse_sigma.data()[k] = -s.data()[k];
  }
  autodiff::vector_math::exp(autodiff::kernels::elements(inverse_sigma),
                             autodiff::kernels::elements(inverse_sigma));
  exp_minus_row_maximum(a, prior, log_prior_normalizer);

  // q_c = log pi_c + log N(z; mu_c, sigma_c), summed in log space because
  // the density itself underflows to 0 far in the tail. The loops here and
  // below index the row-major [n, C] arrays through raw pointers, which costs
  // less than xtensor's element access in these short rows.
  for (std::size_t i = 0; i < rows; ++i) {
    const std::size_t first = i * components;
    const double z = targets.data()[i];
    const double normalizer = log_prior_normalizer.data()[i];
    for (std::size_t c = first; c < first + components; ++c) {
      const double u = (z - mu.data()[c]) * inverse_sigma.data()[c];
      standardized.data()[c] = static_cast<Scalar>(u);
      joint.data()[c] = static_cast<Scalar>(a.data()[c] - normalizer - 0.5 * u * u - s.data()[c] -
                                            half_log_two_pi);
    }
  }
  Matrix log_likelihood = tape.buffer({rows, 1});  // logsumexp_c q_c
  exp_minus_row_maximum(joint, joint, log_likelihood);

  // dl/dq_c = -r_c, then the chain rule through u_c, s_c and log_softmax(a).
  // The saved array contains the three derivatives side by side, [n, 3C].
  double value = 0.0;
  for (std::size_t i = 0; i < rows; ++i) {
    const double coefficient = coefficients.data()[i];
    value -= coefficient * log_likelihood.data()[i];

    const std::size_t first = i * components;
    const Scalar* responsibilities = joint.data() + first;
    const Scalar* u = standardized.data() + first;
    const Scalar* inverse_sigmas = inverse_sigma.data() + first;
    const Scalar* priors = prior.data() + first;
    Scalar* d_means = derivatives.data() + i * 3 * components;
    Scalar* d_log_sigmas = d_means + components;
    Scalar* d_logits = d_log_sigmas + components;
    for (std::size_t c = 0; c < components; ++c) {
      const double r = coefficient * responsibilities[c];
      d_means[c] = static_cast<Scalar>(-r * u[c] * inverse_sigmas[c]);
      d_log_sigmas[c] = static_cast<Scalar>(r * (1.0 - u[c] * u[c]));
      d_logits[c] = static_cast<Scalar>(coefficient * (priors[c] - responsibilities[c]));
    }
  }
  for (Matrix* scratch : {&inverse_sigma, &prior, &joint, &standardized, &log_prior_normalizer,
                          &log_likelihood}) {
    tape.recycle(std::move(*scratch));
  }

  return value;
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

  autodiff::Tape& tape = means.tape();
  Matrix derivatives = tape.buffer({shape[0], 3 * shape[1]});
  const double value = mixture_nll(tape, means.value(), log_sigmas.value(), mixture_logits.value(),
                                   targets, coefficients, derivatives);

  Matrix result = tape.buffer({1, 1});
  result(0, 0) = static_cast<Scalar>(value);
  return tape.record(
      loss, std::move(result), {means, log_sigmas, mixture_logits},
      [](const Matrix& g, GradientSink& sink) {
        const double scale = g(0, 0);
        const Matrix& saved = sink.saved();  // [n, 3C]
        const std::size_t saved_rows = saved.shape(0);
        const std::size_t width = saved.shape(1) / 3;
        for (std::size_t input = 0; input < 3; ++input) {
          if (!sink.needs(input)) continue;
          const autodiff::GradientTarget target = sink.target(input);
          for (std::size_t i = 0; i < saved_rows; ++i) {
            const Scalar* block = saved.data() + i * 3 * width + input * width;
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
  const std::size_t rows = shape[0];
  const std::size_t components = shape[1] / 3;
  const Matrix coefficients = mean_coefficients(loss, shape, weights);

  // The three blocks of each row, copied into contiguous [n, C] arrays.
  autodiff::Tape& tape = head.tape();
  std::array<Matrix, 3> blocks;
  for (std::size_t block = 0; block < 3; ++block) {
    blocks[block] = tape.buffer({rows, components});
    for (std::size_t i = 0; i < rows; ++i) {
      const Scalar* source = head.value().data() + i * 3 * components + block * components;
      Scalar* destination = blocks[block].data() + i * components;
      for (std::size_t c = 0; c < components; ++c) {
        destination[c] = source[c];
      }
    }
  }

  // The derivatives [n, 3C] have the head's layout, so the backward pass
  // scales them into the head's gradient in one loop.
  Matrix derivatives = tape.buffer(shape);
  const double value =
      mixture_nll(tape, blocks[0], blocks[1], blocks[2], targets, coefficients, derivatives);
  for (Matrix& block : blocks) {
    tape.recycle(std::move(block));
  }

  Matrix result = tape.buffer({1, 1});
  result(0, 0) = static_cast<Scalar>(value);
  return tape.record(
      loss, std::move(result), {head},
      [](const Matrix& g, GradientSink& sink) {
        if (!sink.needs(0)) return;
        const double scale = g(0, 0);
        const Scalar* saved = sink.saved().data();
        autodiff::kernels::write(sink.target(0),
                                 [saved, scale](std::size_t k) { return scale * saved[k]; });
      },
      std::move(derivatives));
}

}  // namespace nn
