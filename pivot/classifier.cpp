#include "pivot/classifier.hpp"

#include <algorithm>
#include <stdexcept>

#include <xtensor/xview.hpp>

#include "autodiff/ops/elementwise.hpp"

namespace pivot {

Classifier::Classifier(nn::Sequential network) : network_(std::move(network)) {
  if (network_.parameters().empty()) {
    throw std::invalid_argument("Classifier: the network has no parameters; build it with "
                                "nn::make_mlp or add a Dense layer");
  }
}

Variable Classifier::logits(Variable x) {
  Variable output = network_.forward(x);
  if (output.shape()[1] != 1) {
    throw autodiff::shape_error("Classifier", "the network must output one logit per sample, "
                                "[batch, 1]", output.shape());
  }
  return output;
}

Variable Classifier::scores(Variable x) {
  return autodiff::sigmoid(logits(x));
}

Matrix Classifier::predict(const Matrix& x) {
  constexpr std::size_t chunk = 8192;  // bounds the tape's memory on large inputs
  const std::size_t rows = x.shape(0);
  Matrix result({rows, std::size_t{1}});

  autodiff::Tape tape;
  tape.set_gradients_enabled(false);  // scores only, no backward pass
  for (std::size_t begin = 0; begin < rows; begin += chunk) {
    const std::size_t end = std::min(rows, begin + chunk);
    tape.clear();
    const Variable input = tape.constant(xt::view(x, xt::range(begin, end), xt::all()));
    xt::view(result, xt::range(begin, end), xt::all()) = scores(input).value();
  }
  return result;
}

}  // namespace pivot
