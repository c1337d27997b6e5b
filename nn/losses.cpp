#include "nn/losses.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <numbers>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "autodiff/ops/elementwise.hpp"

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
    return Matrix(Shape{rows, 1}, 1.0 / static_cast<double>(rows));
  }

  if (shape_of(*weights) != Shape{rows, 1}) {
    throw shape_error(loss, "weights must be [n, 1] for the n rows of the predictions", predictions,
                      shape_of(*weights));
  }
  double total = 0.0;
  for (std::size_t i = 0; i < rows; ++i) {
    const double weight = (*weights)(i, 0);
    if (!std::isfinite(weight) || weight < 0.0) {
      throw std::invalid_argument(std::string(loss) + ": the weight of row " + std::to_string(i) +
                                  " is " + format_number(weight) +
                                  "; weights must be finite and non-negative");
    }
    total += weight;
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

  return *weights / total;
}

// Row i of a row-major matrix as a contiguous span.
std::span<const double> row_of(const Matrix& matrix, std::size_t i) {
  return {matrix.data() + i * matrix.shape(1), matrix.shape(1)};
}

// log sum_k e^(v_k), shifted by the maximum so that it is finite for finite v.
double logsumexp(std::span<const double> values) {
  const double maximum = *std::max_element(values.begin(), values.end());
  double sum = 0.0;
  for (const double v : values) {
    sum += std::exp(v - maximum);
  }
  return maximum + std::log(sum);
}

// Records a [1, 1] loss of one input whose derivative d loss / d input the
// forward pass computed. The backward function scales it by the incoming
// gradient.
Variable record_loss(const char* loss, Variable input, double value, Matrix derivative) {
  return input.tape().record(
      loss, Matrix{{value}}, {input},
      [derivative = std::move(derivative)](const Matrix& g, GradientSink& sink) {
        sink.accumulate(0, g(0, 0) * derivative);
      });
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

  const Matrix& p = probabilities.value();
  double value = 0.0;
  Matrix derivative(shape);  // [n, 1]
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
    derivative(i, 0) = coefficients(i, 0) * slope;
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

  const Matrix& x = logits.value();
  const Matrix sigmoid = autodiff::stable_sigmoid(x);  // [n, 1]
  double value = 0.0;
  Matrix derivative(shape);  // [n, 1]
  for (std::size_t i = 0; i < shape[0]; ++i) {
    const double logit = x(i, 0);
    const double y = targets(i, 0);

    // softplus(x) = max(x, 0) + log(1 + e^-|x|): e^-|x| never overflows.
    const double softplus = std::max(logit, 0.0) + std::log1p(std::exp(-std::abs(logit)));
    value += coefficients(i, 0) * (softplus - y * logit);
    derivative(i, 0) = coefficients(i, 0) * (sigmoid(i, 0) - y);
  }

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
  double value = 0.0;
  Matrix derivative(shape);  // [n, k]
  for (std::size_t i = 0; i < shape[0]; ++i) {
    const double log_normalizer = logsumexp(row_of(x, i));

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
      const double softmax = std::exp(x(i, k) - log_normalizer);
      derivative(i, k) = coefficients(i, 0) * (softmax * target_sum - t(i, k));
    }
  }

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
  Matrix result = xt::zeros<double>({rows, class_count});  // [n, class_count]
  for (std::size_t i = 0; i < rows; ++i) {
    const double index = class_indices(i, 0);
    const std::string prefix =
        "one_hot: row " + std::to_string(i) + " has class index " + format_number(index);
    if (std::floor(index) != index) {  // also true for NaN
      throw std::invalid_argument(prefix + ", which is not an integer; pass integer class indices");
    }
    if (index < 0.0 || index >= static_cast<double>(class_count)) {
      throw std::invalid_argument(prefix + ", outside [0, " + std::to_string(class_count) +
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
  Matrix derivative(shape);  // [n, m]
  for (std::size_t i = 0; i < shape[0]; ++i) {
    double squared_error = 0.0;
    for (std::size_t j = 0; j < shape[1]; ++j) {
      const double residual = p(i, j) - targets(i, j);
      squared_error += residual * residual;
      derivative(i, j) = coefficients(i, 0) * 2.0 * residual / columns;
    }
    value += coefficients(i, 0) * squared_error / columns;
  }

  return record_loss(loss, predictions, value, std::move(derivative));
}

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

  const Matrix& mu = means.value();
  const Matrix& s = log_sigmas.value();
  const Matrix& a = mixture_logits.value();
  const std::size_t components = shape[1];
  const double half_log_two_pi = 0.5 * std::log(2.0 * std::numbers::pi);

  double value = 0.0;
  Matrix d_means(shape);                         // [n, C]
  Matrix d_log_sigmas(shape);                    // [n, C]
  Matrix d_logits(shape);                        // [n, C]
  std::vector<double> standardized(components);  // u_c of one row
  std::vector<double> log_joint(components);     // q_c of one row
  for (std::size_t i = 0; i < shape[0]; ++i) {
    const double z = targets(i, 0);
    const double log_prior_normalizer = logsumexp(row_of(a, i));

    // q_c = log pi_c + log N(z; mu_c, sigma_c), summed in log space because
    // the density itself underflows to 0 far in the tail.
    for (std::size_t c = 0; c < components; ++c) {
      standardized[c] = (z - mu(i, c)) * std::exp(-s(i, c));
      log_joint[c] = a(i, c) - log_prior_normalizer - 0.5 * standardized[c] * standardized[c] -
                     s(i, c) - half_log_two_pi;
    }
    const double log_likelihood = logsumexp(log_joint);
    value -= coefficients(i, 0) * log_likelihood;

    // dl/dq_c = -r_c, then the chain rule through u_c, s_c and log_softmax(a).
    for (std::size_t c = 0; c < components; ++c) {
      const double responsibility = std::exp(log_joint[c] - log_likelihood);
      const double prior = std::exp(a(i, c) - log_prior_normalizer);
      const double u = standardized[c];
      d_means(i, c) = -coefficients(i, 0) * responsibility * u * std::exp(-s(i, c));
      d_log_sigmas(i, c) = coefficients(i, 0) * responsibility * (1.0 - u * u);
      d_logits(i, c) = coefficients(i, 0) * (prior - responsibility);
    }
  }

  return means.tape().record(loss, Matrix{{value}}, {means, log_sigmas, mixture_logits},
                             [d_means = std::move(d_means), d_log_sigmas = std::move(d_log_sigmas),
                              d_logits = std::move(d_logits)](const Matrix& g, GradientSink& sink) {
                               const double scale = g(0, 0);
                               if (sink.needs(0)) {
                                 sink.accumulate(0, scale * d_means);
                               }
                               if (sink.needs(1)) {
                                 sink.accumulate(1, scale * d_log_sigmas);
                               }
                               if (sink.needs(2)) {
                                 sink.accumulate(2, scale * d_logits);
                               }
                             });
}

}  // namespace nn
