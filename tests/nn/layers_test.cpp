#define BOOST_TEST_MODULE nn_layers
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <memory>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "autodiff/gradient_check.hpp"
#include "autodiff/ops/arithmetic.hpp"
#include "autodiff/ops/elementwise.hpp"
#include "autodiff/ops/reductions.hpp"
#include "autodiff/tape.hpp"
#include "nn/layers/activation.hpp"
#include "nn/layers/dense.hpp"
#include "nn/layers/sequential.hpp"
#include "nn/random.hpp"
#include "tolerances.hpp"

namespace tt = boost::test_tools;
using autodiff::Matrix;
using autodiff::Tape;
using autodiff::Variable;
using nn::ActivationKind;

namespace {

// The message of the std::invalid_argument that `call` throws, or a marker
// that no check on the message can match when it throws nothing.
std::string error_message(const std::function<void()>& call) {
  try {
    call();
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "<no std::invalid_argument thrown>";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A [rows, cols] array of U(low, high) entries from a fixed seed.
Matrix random_matrix(std::size_t rows, std::size_t cols, unsigned seed, double low = -1.0,
                     double high = 1.0) {
  std::mt19937_64 generator(seed);
  std::uniform_real_distribution<double> uniform(low, high);
  Matrix values({rows, cols});
  for (auto& value : values) {
    value = uniform(generator);
  }
  return values;
}

autodiff::GradientCheckOptions gradient_options() {
  autodiff::GradientCheckOptions options;
  options.absolute_tolerance = test_tolerance::gradient_absolute;
  options.relative_tolerance = test_tolerance::gradient_relative;
  return options;
}

// Checks d module(x) / dx by central differences through check_gradient.
void check_input_gradient(nn::Module& module, const Matrix& input) {
  const auto result = autodiff::check_gradient(
      [&](Tape&, std::span<const Variable> in) { return module.forward(in[0]); }, {input},
      gradient_options());
  BOOST_TEST(result.passed, result.first_failure);
}

// L = sum(module(x) ⊙ R) on a fresh tape, with x a constant.
Variable projected_loss(Tape& tape, nn::Module& module, const Matrix& input,
                        const Matrix& projection) {
  const Variable output = module.forward(tape.constant(input));
  return autodiff::sum(output * tape.constant(projection));
}

// Compares the gradient that Tape::backward(loss, parameters) stores in each
// parameter with central differences (L(p + h) - L(p - h)) / 2h, taken by
// perturbing Parameter::value one element at a time. R is a fixed array of
// U(0.5, 1.5) entries, as in check_gradient, so that no output is weighted 0.
void check_parameter_gradients(nn::Module& module, const Matrix& input) {
  const autodiff::ParameterList parameters = module.parameters();
  BOOST_TEST_REQUIRE(!parameters.empty());

  Matrix projection;
  {
    Tape tape;
    const Variable output = module.forward(tape.constant(input));
    projection = random_matrix(output.shape()[0], output.shape()[1], 99, 0.5, 1.5);
  }

  Tape tape;
  const Variable loss = projected_loss(tape, module, input, projection);
  tape.backward(loss, parameters);

  for (autodiff::Parameter* parameter : parameters) {
    const Matrix analytic = parameter->gradient;
    BOOST_TEST_REQUIRE(autodiff::shape_of(analytic) == autodiff::shape_of(parameter->value));

    for (std::size_t i = 0; i < analytic.shape(0); ++i) {
      for (std::size_t j = 0; j < analytic.shape(1); ++j) {
        const double original = parameter->value(i, j);
        const double h = 1e-6 * std::max(1.0, std::abs(original));

        parameter->value(i, j) = original + h;
        Tape plus_tape;
        const double plus = projected_loss(plus_tape, module, input, projection).value()(0, 0);
        parameter->value(i, j) = original - h;
        Tape minus_tape;
        const double minus = projected_loss(minus_tape, module, input, projection).value()(0, 0);
        parameter->value(i, j) = original;

        // An element passes when either tolerance holds, as in check_gradient.
        const double numeric = (plus - minus) / (2.0 * h);
        const double absolute_error = std::abs(analytic(i, j) - numeric);
        const bool close =
            absolute_error <= test_tolerance::gradient_absolute ||
            absolute_error <= test_tolerance::gradient_relative * std::abs(numeric);
        BOOST_TEST(close, parameter->name << " element [" << i << ", " << j << "]: analytic "
                                          << analytic(i, j) << ", numeric " << numeric);
      }
    }
  }
}

// Applies one Dense layer twice with tanh in between, so that the layer's
// parameters are recorded twice on one tape.
class TwiceDense : public nn::Module {
 public:
  explicit TwiceDense(nn::Dense& layer) : layer_(layer) {}

  Variable forward(Variable input) override {
    return layer_.forward(autodiff::tanh(layer_.forward(input)));
  }
  autodiff::ParameterList parameters() override { return layer_.parameters(); }
  std::string describe() const override { return "twice " + layer_.describe(); }

 private:
  nn::Dense& layer_;
};

// The toy classifier of the pivoting experiment: 2 -> 20 tanh -> 20 ReLU -> 1 logit.
nn::Sequential make_toy_classifier(nn::Rng& rng) {
  return nn::make_mlp(2, {{20, ActivationKind::tanh}, {20, ActivationKind::relu}}, 1,
                      ActivationKind::identity, rng, "classifier");
}

const std::vector<ActivationKind> all_kinds = {ActivationKind::identity, ActivationKind::tanh,
                                               ActivationKind::relu, ActivationKind::sigmoid,
                                               ActivationKind::exp};

}  // namespace

BOOST_AUTO_TEST_SUITE(layers)

// --- Dense --------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(dense_forward_by_hand) {
  nn::Rng rng(1);
  nn::Dense layer(3, 2, rng);
  layer.weights().value = Matrix{{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}};
  layer.bias().value = Matrix{{0.5, -1.0}};
  const Matrix input{{1.0, 0.0, -1.0}, {2.0, 1.0, 0.5}};

  Tape tape;
  const Matrix output = layer.forward(tape.constant(input)).value();

  // By hand, x · W + b row by row:
  //   (1, 0, -1):  (1 - 5, 2 - 6) + (0.5, -1)           = (-3.5, -5)
  //   (2, 1, 0.5): (2 + 3 + 2.5, 4 + 4 + 3) + (0.5, -1) = (8, 10)
  const Matrix expected{{-3.5, -5.0}, {8.0, 10.0}};
  BOOST_TEST_REQUIRE(autodiff::shape_of(output) == autodiff::shape_of(expected));
  for (std::size_t i = 0; i < expected.shape(0); ++i) {
    for (std::size_t j = 0; j < expected.shape(1); ++j) {
      BOOST_TEST(output(i, j) == expected(i, j), tt::tolerance(test_tolerance::exact_fraction));
    }
  }
}

BOOST_AUTO_TEST_CASE(dense_input_gradient) {
  nn::Rng rng(2);
  nn::Dense layer(3, 4, rng);
  layer.bias().value = random_matrix(1, 4, 3);

  check_input_gradient(layer, random_matrix(5, 3, 4));
}

BOOST_AUTO_TEST_CASE(dense_parameter_gradients) {
  nn::Rng rng(5);
  nn::Dense layer(3, 4, rng);
  layer.bias().value = random_matrix(1, 4, 6);

  check_parameter_gradients(layer, random_matrix(5, 3, 7));
}

BOOST_AUTO_TEST_CASE(dense_reused_gradients) {
  // A layer used twice on one tape must sum the gradients of both uses.
  nn::Rng rng(8);
  nn::Dense layer(3, 3, rng, "shared");
  layer.bias().value = random_matrix(1, 3, 9);
  TwiceDense twice(layer);

  check_parameter_gradients(twice, random_matrix(4, 3, 10));
}

BOOST_AUTO_TEST_CASE(dense_wrong_width_throws) {
  nn::Rng rng(11);
  nn::Dense layer(3, 2, rng);
  Tape tape;
  const Variable input = tape.constant(Matrix({4, 5}, 1.0));

  const std::string message = error_message([&] { layer.forward(input); });

  BOOST_TEST(contains(message, "Dense"), message);
  BOOST_TEST(contains(message, "[4, 5]"), message);
  BOOST_TEST(contains(message, "[3, 2]"), message);
}

BOOST_AUTO_TEST_CASE(dense_parameter_names) {
  nn::Rng rng(12);
  nn::Dense named(3, 2, rng, "encoder");
  nn::Dense unnamed(3, 2, rng);

  const autodiff::ParameterList parameters = named.parameters();

  BOOST_TEST_REQUIRE(parameters.size() == 2u);
  BOOST_TEST(parameters[0] == &named.weights());
  BOOST_TEST(parameters[1] == &named.bias());
  BOOST_TEST(named.weights().name == "encoder.weights");
  BOOST_TEST(named.bias().name == "encoder.bias");
  BOOST_TEST(unnamed.weights().name == "dense.weights");
  BOOST_TEST(unnamed.bias().name == "dense.bias");
}

BOOST_AUTO_TEST_CASE(dense_initial_values) {
  nn::Rng rng(13);
  nn::Dense layer(3, 2, rng);

  BOOST_TEST((autodiff::shape_of(layer.weights().value) == autodiff::Shape{3, 2}));
  BOOST_TEST((autodiff::shape_of(layer.bias().value) == autodiff::Shape{1, 2}));
  for (const double b : layer.bias().value) {
    BOOST_TEST(b == 0.0);
  }

  // Glorot-uniform weights are almost surely all nonzero.
  for (const double w : layer.weights().value) {
    BOOST_TEST(w != 0.0);
  }
}

BOOST_AUTO_TEST_CASE(dense_zero_size_throws) {
  nn::Rng rng(14);

  BOOST_CHECK_THROW(nn::Dense(0, 2, rng), std::invalid_argument);
  BOOST_CHECK_THROW(nn::Dense(2, 0, rng), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(dense_describe) {
  nn::Rng rng(15);
  const nn::Dense layer(3, 2, rng);

  BOOST_TEST(layer.describe() == "Dense(3 -> 2)");
  BOOST_TEST(layer.inputs() == 3u);
  BOOST_TEST(layer.outputs() == 2u);
}

// --- Activation ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(activation_forward_values) {
  // Expected values come from the <cmath> formulas, a different route from
  // the ops (which, for sigmoid, use the overflow-free form).
  const std::vector<double> inputs = {-2.0, -0.5, 0.0, 0.5, 3.0};
  const std::vector<std::function<double(double)>> formulas = {
      [](double x) { return x; },
      [](double x) { return std::tanh(x); },
      [](double x) { return x > 0.0 ? x : 0.0; },
      [](double x) { return 1.0 / (1.0 + std::exp(-x)); },
      [](double x) { return std::exp(x); },
  };
  Matrix input({inputs.size(), 1});
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    input(i, 0) = inputs[i];
  }

  for (std::size_t k = 0; k < all_kinds.size(); ++k) {
    nn::Activation activation(all_kinds[k]);
    Tape tape;
    const Matrix output = activation.forward(tape.constant(input)).value();

    BOOST_TEST_REQUIRE(autodiff::shape_of(output) == autodiff::shape_of(input));
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      BOOST_TEST_CONTEXT(nn::to_string(all_kinds[k]) << "(" << inputs[i] << ")") {
        BOOST_TEST(output(i, 0) == formulas[k](inputs[i]),
                   tt::tolerance(test_tolerance::exact_fraction));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(activation_relu_by_hand) {
  nn::Activation relu(ActivationKind::relu);
  Tape tape;

  const Matrix output = relu.forward(tape.constant(Matrix{{-2.0, 0.0, 1.5}})).value();

  BOOST_TEST(output(0, 0) == 0.0);
  BOOST_TEST(output(0, 1) == 0.0);
  BOOST_TEST(output(0, 2) == 1.5);
}

BOOST_AUTO_TEST_CASE(activation_identity_returns_input) {
  nn::Activation identity(ActivationKind::identity);
  Tape tape;
  const Variable input = tape.constant(Matrix{{1.0, -2.0}});
  const std::size_t nodes_before = tape.size();

  const Variable output = identity.forward(input);

  BOOST_TEST(output.index() == input.index());
  BOOST_TEST(tape.size() == nodes_before);
}

BOOST_AUTO_TEST_CASE(activation_input_gradient) {
  // Inputs stay away from 0, where ReLU has a kink that central differences
  // cannot resolve.
  const Matrix input{{-1.5, 0.3, 2.0}, {0.7, -0.4, -2.5}};
  for (const ActivationKind kind : all_kinds) {
    BOOST_TEST_CONTEXT(nn::to_string(kind)) {
      nn::Activation activation(kind);
      check_input_gradient(activation, input);
    }
  }
}

BOOST_AUTO_TEST_CASE(activation_has_no_parameters) {
  for (const ActivationKind kind : all_kinds) {
    nn::Activation activation(kind);
    BOOST_TEST(activation.parameters().empty(), nn::to_string(kind));
  }
}

BOOST_AUTO_TEST_CASE(parse_activation_names) {
  const std::vector<std::string> names = {"identity", "tanh", "relu", "sigmoid", "exp"};
  BOOST_TEST_REQUIRE(names.size() == all_kinds.size());

  for (std::size_t k = 0; k < names.size(); ++k) {
    const ActivationKind kind = nn::parse_activation(names[k]);
    BOOST_TEST((kind == all_kinds[k]), names[k]);
    BOOST_TEST(nn::to_string(kind) == names[k]);
    BOOST_TEST(nn::Activation(kind).describe() == names[k]);
    BOOST_TEST((nn::Activation(kind).kind() == kind), names[k]);
  }
}

BOOST_AUTO_TEST_CASE(parse_activation_unknown) {
  // Names are case-sensitive, and an empty name is unknown too.
  for (const std::string name : {"softmax", "Tanh", ""}) {
    const std::string message = error_message([&] { nn::parse_activation(name); });

    BOOST_TEST(contains(message, "'" + name + "'"), message);
    for (const std::string accepted : {"identity", "tanh", "relu", "sigmoid", "exp"}) {
      BOOST_TEST(contains(message, accepted), message);
    }
  }
}

// --- Sequential and make_mlp --------------------------------------------------

BOOST_AUTO_TEST_CASE(mlp_toy_layers) {
  nn::Rng rng(20);

  const nn::Sequential network = make_toy_classifier(rng);

  // Three Dense layers and two hidden activations, and an identity output adds none.
  BOOST_TEST(network.size() == 5u);
  BOOST_TEST(network.describe() ==
             "Dense(2 -> 20) -> tanh -> Dense(20 -> 20) -> relu -> Dense(20 -> 1)");
}

BOOST_AUTO_TEST_CASE(mlp_output_activation) {
  nn::Rng rng(21);

  const nn::Sequential network =
      nn::make_mlp(2, {{4, ActivationKind::tanh}}, 1, ActivationKind::sigmoid, rng);

  BOOST_TEST(network.size() == 4u);
  BOOST_TEST(network.describe() == "Dense(2 -> 4) -> tanh -> Dense(4 -> 1) -> sigmoid");
}

BOOST_AUTO_TEST_CASE(mlp_parameter_order) {
  nn::Rng rng(22);
  nn::Sequential network = make_toy_classifier(rng);

  const autodiff::ParameterList parameters = network.parameters();

  const std::vector<std::string> names = {"classifier.0.weights", "classifier.0.bias",
                                          "classifier.1.weights", "classifier.1.bias",
                                          "classifier.2.weights", "classifier.2.bias"};
  const std::vector<autodiff::Shape> shapes = {{2, 20}, {1, 20}, {20, 20},
                                               {1, 20}, {20, 1}, {1, 1}};
  BOOST_TEST_REQUIRE(parameters.size() == names.size());
  for (std::size_t k = 0; k < names.size(); ++k) {
    BOOST_TEST(parameters[k]->name == names[k]);
    BOOST_TEST((autodiff::shape_of(parameters[k]->value) == shapes[k]), names[k]);
  }

  // The list points into the layers, in layer order, so an optimizer that
  // updates it updates the network.
  auto& first = dynamic_cast<nn::Dense&>(network[0]);
  auto& last = dynamic_cast<nn::Dense&>(network[4]);
  BOOST_TEST(parameters[0] == &first.weights());
  BOOST_TEST(parameters[1] == &first.bias());
  BOOST_TEST(parameters[4] == &last.weights());
  BOOST_TEST(parameters[5] == &last.bias());
}

BOOST_AUTO_TEST_CASE(mlp_without_hidden_layers) {
  nn::Rng rng(23);
  nn::Sequential network = nn::make_mlp(3, {}, 2, ActivationKind::identity, rng);

  const autodiff::ParameterList parameters = network.parameters();

  BOOST_TEST(network.describe() == "Dense(3 -> 2)");
  BOOST_TEST_REQUIRE(parameters.size() == 2u);
  BOOST_TEST(parameters[0]->name == "mlp.0.weights");
  BOOST_TEST(parameters[1]->name == "mlp.0.bias");
}

BOOST_AUTO_TEST_CASE(mlp_forward_shape) {
  nn::Rng rng(24);
  nn::Sequential network = make_toy_classifier(rng);
  Tape tape;

  const Variable output = network.forward(tape.constant(random_matrix(7, 2, 25)));

  BOOST_TEST((output.shape() == autodiff::Shape{7, 1}));
}

BOOST_AUTO_TEST_CASE(mlp_parameter_gradients) {
  // tanh, ReLU and sigmoid all take part. Random inputs almost surely keep
  // every ReLU input away from its kink at 0, and batch 5 makes each bias
  // gradient a sum over rows.
  nn::Rng rng(26);
  nn::Sequential network =
      nn::make_mlp(3, {{4, ActivationKind::tanh}, {3, ActivationKind::relu}}, 2,
                   ActivationKind::sigmoid, rng);
  unsigned bias_seed = 27;
  for (autodiff::Parameter* parameter : network.parameters()) {
    if (contains(parameter->name, ".bias")) {
      parameter->value = random_matrix(1, parameter->value.shape(1), bias_seed++, -0.5, 0.5);
    }
  }

  check_parameter_gradients(network, random_matrix(5, 3, 28));
}

BOOST_AUTO_TEST_CASE(mlp_input_gradient) {
  nn::Rng rng(29);
  nn::Sequential network =
      nn::make_mlp(3, {{4, ActivationKind::tanh}, {3, ActivationKind::exp}}, 2,
                   ActivationKind::identity, rng);

  check_input_gradient(network, random_matrix(5, 3, 30));
}

BOOST_AUTO_TEST_CASE(mlp_zero_hidden_units_throws) {
  nn::Rng rng(31);

  const std::string message = error_message([&] {
    nn::make_mlp(2, {{20, ActivationKind::tanh}, {0, ActivationKind::relu}}, 1,
                 ActivationKind::identity, rng, "classifier");
  });

  BOOST_TEST(contains(message, "make_mlp"), message);
  BOOST_TEST(contains(message, "hidden layer 1"), message);
  BOOST_TEST(contains(message, "'classifier'"), message);
  BOOST_TEST(contains(message, "0 units"), message);
}

BOOST_AUTO_TEST_CASE(mlp_zero_size_throws) {
  nn::Rng rng(32);

  BOOST_CHECK_THROW(nn::make_mlp(0, {{4, ActivationKind::tanh}}, 1, ActivationKind::identity, rng),
                    std::invalid_argument);
  BOOST_CHECK_THROW(nn::make_mlp(2, {{4, ActivationKind::tanh}}, 0, ActivationKind::identity, rng),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(mlp_same_seed_same_parameters) {
  nn::Rng first_rng(33);
  nn::Rng second_rng(33);
  nn::Sequential first = make_toy_classifier(first_rng);
  nn::Sequential second = make_toy_classifier(second_rng);

  const autodiff::ParameterList first_parameters = first.parameters();
  const autodiff::ParameterList second_parameters = second.parameters();

  BOOST_TEST_REQUIRE(first_parameters.size() == second_parameters.size());
  for (std::size_t k = 0; k < first_parameters.size(); ++k) {
    BOOST_TEST((first_parameters[k]->value == second_parameters[k]->value),
               first_parameters[k]->name);
  }
}

BOOST_AUTO_TEST_CASE(sequential_null_module_throws) {
  nn::Sequential network;

  const std::string message = error_message([&] { network.add(nullptr); });

  BOOST_TEST(contains(message, "Sequential::add"), message);
  BOOST_TEST(network.size() == 0u);
}

BOOST_AUTO_TEST_CASE(sequential_forward_composes) {
  nn::Rng rng(34);
  auto dense = std::make_unique<nn::Dense>(2, 3, rng);
  nn::Dense& layer = *dense;
  layer.bias().value = Matrix{{0.1, -0.2, 0.3}};
  nn::Sequential network;
  nn::Sequential& chained =
      network.add(std::move(dense)).add(std::make_unique<nn::Activation>(ActivationKind::tanh));
  const Matrix input = random_matrix(4, 2, 35);

  Tape tape;
  const Matrix output = network.forward(tape.constant(input)).value();
  const Matrix expected = autodiff::tanh(layer.forward(tape.constant(input))).value();

  BOOST_TEST(&chained == &network);
  BOOST_TEST(network.size() == 2u);
  BOOST_TEST((output == expected));
}

// Sequential runs a Dense layer and the relu or tanh after it as one fused
// op. Its values and gradients equal those of the modules run one by one.
BOOST_AUTO_TEST_CASE(sequential_fused_matches_modules) {
  nn::Rng rng(37);
  nn::Sequential network =
      nn::make_mlp(2, {{5, ActivationKind::tanh}, {4, ActivationKind::relu}}, 3,
                   ActivationKind::sigmoid, rng);
  const Matrix input = random_matrix(6, 2, 38);
  const autodiff::ParameterList parameters = network.parameters();

  Tape fused_tape;
  const Variable fused = network.forward(fused_tape.constant(input));
  fused_tape.backward(autodiff::sum(fused), parameters);
  std::vector<Matrix> fused_gradients;
  for (const autodiff::Parameter* parameter : parameters) {
    fused_gradients.push_back(parameter->gradient);
  }

  Tape separate_tape;
  Variable separate = separate_tape.constant(input);
  for (std::size_t index = 0; index < network.size(); ++index) {
    separate = network[index].forward(separate);
  }
  separate_tape.backward(autodiff::sum(separate), parameters);

  BOOST_TEST(fused.value() == separate.value(), tt::per_element());
  for (std::size_t k = 0; k < parameters.size(); ++k) {
    BOOST_TEST(fused_gradients[k] == parameters[k]->gradient, tt::per_element());
  }
}

// A subclass of Dense or Activation may override forward(), so Sequential
// runs it as it is instead of fusing it.
BOOST_AUTO_TEST_CASE(sequential_runs_subclasses_unfused) {
  struct ShiftedDense : nn::Dense {
    using nn::Dense::Dense;
    Variable forward(Variable input) override { return nn::Dense::forward(input) + 1.0; }
  };
  struct NegatedRelu : nn::Activation {
    NegatedRelu() : nn::Activation(ActivationKind::relu) {}
    Variable forward(Variable input) override { return nn::Activation::forward(-1.0 * input); }
  };
  nn::Rng rng(41);
  nn::Sequential shifted;
  shifted.add(std::make_unique<ShiftedDense>(2, 3, rng))
      .add(std::make_unique<nn::Activation>(ActivationKind::relu));
  nn::Sequential negated;
  negated.add(std::make_unique<nn::Dense>(2, 3, rng)).add(std::make_unique<NegatedRelu>());
  const Matrix input = random_matrix(4, 2, 42);

  for (nn::Sequential* network : {&shifted, &negated}) {
    Tape tape;
    const Matrix whole = network->forward(tape.constant(input)).value();
    const Variable hidden = (*network)[0].forward(tape.constant(input));
    const Matrix one_by_one = (*network)[1].forward(hidden).value();
    BOOST_TEST(whole == one_by_one, tt::per_element());
  }
}

// Dense::forward(input, activation) covers every activation, fused or not.
BOOST_AUTO_TEST_CASE(dense_forward_with_each_activation) {
  nn::Rng rng(39);
  nn::Dense layer(3, 2, rng);
  layer.bias().value = Matrix{{0.2, -0.3}};
  const Matrix input = random_matrix(4, 3, 40);

  for (const ActivationKind kind : {ActivationKind::identity, ActivationKind::tanh,
                                    ActivationKind::relu, ActivationKind::sigmoid,
                                    ActivationKind::exp}) {
    BOOST_TEST_CONTEXT("activation " << nn::to_string(kind)) {
      Tape tape;
      const Matrix combined = layer.forward(tape.constant(input), kind).value();
      const Matrix separate =
          nn::Activation(kind).forward(layer.forward(tape.constant(input))).value();
      BOOST_TEST(combined == separate, tt::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(sequential_index_out_of_range) {
  nn::Rng rng(36);
  nn::Sequential network = make_toy_classifier(rng);

  BOOST_CHECK_THROW(network[5], std::out_of_range);
}

BOOST_AUTO_TEST_SUITE_END()
