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
#include "nn/loss_weights.hpp"

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
// be x itself. The logarithms of the row sums are one vectorized pass over a
// scratch array from the tape's pool.
void exp_minus_row_maximum(autodiff::Tape& tape, const Matrix& x, Matrix& exps,
                           Matrix& log_sums) {
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

  Matrix sums = tape.buffer({rows, 1});
  for (std::size_t i = 0; i < rows; ++i) {
    Scalar* row = exps.data() + i * cols;
    double sum = 0.0;
    for (std::size_t j = 0; j < cols; ++j) {
      sum += row[j];
    }
    sums.data()[i] = static_cast<Scalar>(sum);
    for (std::size_t j = 0; j < cols; ++j) {
      row[j] = static_cast<Scalar>(row[j] / sum);
    }
  }
  autodiff::vector_math::log(autodiff::kernels::elements(sums), autodiff::kernels::elements(sums));
  for (std::size_t i = 0; i < rows; ++i) {
    log_sums.data()[i] += sums.data()[i];
  }
  tape.recycle(std::move(sums));
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
  Matrix log1p_e = tape.buffer(shape);          // [n, 1], log(1 + e^-|x|)
  autodiff::vector_math::log1p(autodiff::kernels::elements(e),
                               autodiff::kernels::elements(log1p_e));

  double value = 0.0;
  Matrix derivative = tape.buffer(shape);  // [n, 1]
  const Scalar* exps = e.data();
  for (std::size_t i = 0; i < shape[0]; ++i) {
    const double logit = x.data()[i];
    const double y = targets.data()[i];
    const double c = coefficients.data()[i];

    // softplus(x) = max(x, 0) + log(1 + e^-|x|), and sigmoid(x) from e^-|x|
    // too, so nothing overflows.
    const double softplus = std::max(logit, 0.0) + log1p_e.data()[i];
    const double sigmoid = (logit >= 0.0 ? 1.0 : exps[i]) / (1.0 + exps[i]);
    value += c * (softplus - y * logit);
    derivative.data()[i] = static_cast<Scalar>(c * (sigmoid - y));
  }
  tape.recycle(std::move(e));
  tape.recycle(std::move(log1p_e));

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
  exp_minus_row_maximum(tape, x, softmax, log_normalizers);

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

}  // namespace nn
