#include "autodiff/tape.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace autodiff {

// --- Variable ---------------------------------------------------------------

const Matrix& Variable::value() const {
  if (tape_ == nullptr) {
    throw std::logic_error("Variable::value: the variable is empty (default-constructed)");
  }
  return tape_->node_of(*this).value;
}

const Matrix& Variable::gradient() const {
  if (tape_ == nullptr) {
    throw std::logic_error("Variable::gradient: the variable is empty (default-constructed)");
  }
  const auto& node = tape_->node_of(*this);
  if (!node.has_gradient) {
    throw std::logic_error(std::string("Variable::gradient: no gradient was computed for this '") +
                           node.op + "' node; list it in Tape::backward(loss, wrt)");
  }
  return node.gradient;
}

Tape& Variable::tape() const {
  if (tape_ == nullptr) {
    throw std::logic_error("Variable::tape: the variable is empty (default-constructed)");
  }
  return *tape_;
}

// --- GradientSink -----------------------------------------------------------

const Matrix& GradientSink::output() const {
  return tape_.nodes_[node_].value;
}

const Matrix& GradientSink::input(std::size_t input) const {
  const auto& node = tape_.nodes_[node_];
  if (input >= node.input_count) {
    throw std::logic_error(std::string(node.op) + ": backward read input " +
                           std::to_string(input) + " of an op with " +
                           std::to_string(node.input_count) + " inputs");
  }
  return tape_.nodes_[tape_.inputs_[node.first_input + input]].value;
}

const Matrix& GradientSink::saved() const {
  return tape_.nodes_[node_].saved;
}

bool GradientSink::needs(std::size_t input) const {
  const auto& node = tape_.nodes_[node_];
  if (input >= node.input_count) {
    throw std::logic_error(std::string(node.op) + ": backward asked for input " +
                           std::to_string(input) + " of an op with " +
                           std::to_string(node.input_count) + " inputs");
  }
  return tape_.nodes_[tape_.inputs_[node.first_input + input]].needed;
}

void GradientSink::accumulate(std::size_t input, const Matrix& gradient) {
  const auto& node = tape_.nodes_[node_];
  if (input >= node.input_count) {
    throw std::logic_error(std::string(node.op) + ": backward wrote input " +
                           std::to_string(input) + " of an op with " +
                           std::to_string(node.input_count) + " inputs");
  }
  // The shape is checked before the needed test, so that a wrong backward
  // function fails on every pass, not only when that input is requested.
  const std::size_t target = tape_.inputs_[node.first_input + input];
  const Shape expected = shape_of(tape_.nodes_[target].value);
  if (shape_of(gradient) != expected) {
    throw std::logic_error(std::string(node.op) + ": backward produced a gradient of shape " +
                           to_string(shape_of(gradient)) + " for input " + std::to_string(input) +
                           " of shape " + to_string(expected));
  }

  if (tape_.nodes_[target].needed) {
    tape_.accumulate(target, gradient);
  }
}

GradientTarget GradientSink::target(std::size_t input) {
  if (!needs(input)) {
    throw std::logic_error(std::string(tape_.nodes_[node_].op) + ": backward asked for the " +
                           "gradient array of input " + std::to_string(input) +
                           ", which this pass does not need; test needs() first");
  }
  auto& target = tape_.nodes_[tape_.inputs_[tape_.nodes_[node_].first_input + input]];
  if (target.has_gradient) {
    return {target.gradient, true};
  }
  Matrix& gradient = tape_.fresh_gradient(target);
  target.has_gradient = true;
  return {gradient, false};
}

// --- Tape -------------------------------------------------------------------

const Tape::Node& Tape::node_of(const Variable& variable) const {
  check_owned(variable, "Variable");
  return nodes_[variable.index_];
}

void Tape::check_owned(const Variable& variable, std::string_view what) const {
  if (variable.tape_ != this) {
    throw std::logic_error(std::string(what) + ": the variable belongs to another tape");
  }
  if (variable.generation_ != generation_ || variable.index_ >= nodes_.size()) {
    throw std::logic_error(std::string(what) +
                           ": the variable was recorded before Tape::clear() and is invalid");
  }
}

namespace {

// A pooled copy of `value`.
Matrix copy_into(Matrix array, const Matrix& value) {
  std::copy(value.data(), value.data() + value.size(), array.data());
  return array;
}

}  // namespace

Variable Tape::constant(const Matrix& value) {
  return record("constant", copy_into(buffer(shape_of(value)), value), {}, {});
}

Variable Tape::constant(Matrix&& value) {
  return record("constant", std::move(value), {}, {});
}

Variable Tape::leaf(const char* op, Matrix value) {
  Variable result = record(op, std::move(value), {}, {});
  nodes_[result.index_].is_leaf = true;
  return result;
}

Variable Tape::variable(const Matrix& value) {
  return leaf("variable", copy_into(buffer(shape_of(value)), value));
}

Variable Tape::variable(Matrix&& value) {
  return leaf("variable", std::move(value));
}

Variable Tape::parameter(Parameter& parameter) {
  for (const auto& [recorded, index] : parameter_nodes_) {
    if (recorded == &parameter) {
      return Variable(this, index, generation_);
    }
  }

  const Variable result =
      leaf("parameter", copy_into(buffer(shape_of(parameter.value)), parameter.value));
  parameter_nodes_.emplace_back(&parameter, result.index_);
  return result;
}

Variable Tape::record(const char* op, Matrix value, std::initializer_list<Variable> inputs,
                      BackwardFunction backward) {
  return record(op, std::move(value), std::span<const Variable>(inputs.begin(), inputs.size()),
                std::move(backward));
}

Variable Tape::record(const char* op, Matrix value, std::span<const Variable> inputs,
                      BackwardFunction backward) {
  return record(op, std::move(value), inputs, std::move(backward), Matrix());
}

Variable Tape::record(const char* op, Matrix value, std::initializer_list<Variable> inputs,
                      BackwardFunction backward, Matrix saved) {
  return record(op, std::move(value), std::span<const Variable>(inputs.begin(), inputs.size()),
                std::move(backward), std::move(saved));
}

Variable Tape::record(const char* op, Matrix value, std::span<const Variable> inputs,
                      BackwardFunction backward, Matrix saved) {
  for (const auto& input : inputs) {
    check_owned(input, op);
  }
  if (nodes_.size() >= std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error(std::string(op) + ": the tape is full; clear it between steps");
  }

  Node& node = nodes_.emplace_back();
  node.op = op;
  node.value = std::move(value);
  if (gradients_enabled_) {
    node.saved = std::move(saved);
    node.backward = std::move(backward);
  } else {
    pool_.give(std::move(saved));
    node.without_gradient = !inputs.empty();  // a leaf has no backward pass to lose
  }
  node.first_input = static_cast<std::uint32_t>(inputs_.size());
  node.input_count = static_cast<std::uint32_t>(inputs.size());
  for (const auto& input : inputs) {
    inputs_.push_back(static_cast<std::uint32_t>(input.index_));
  }

  return Variable(this, nodes_.size() - 1, generation_);
}

Matrix& Tape::fresh_gradient(Node& node) {
  // A second backward pass over the same recording finds the array of the
  // first one.
  const Shape shape = shape_of(node.value);
  if (node.gradient.size() != node.value.size() || node.gradient.size() == 0) {
    pool_.give(std::move(node.gradient));
    node.gradient = pool_.take(shape);
  } else if (shape_of(node.gradient) != shape) {
    node.gradient.reshape(shape);
  }
  return node.gradient;
}

void Tape::accumulate(std::size_t node, const Matrix& gradient) {
  auto& target = nodes_[node];
  const Scalar* source = gradient.data();
  const std::size_t count = gradient.size();
  if (target.has_gradient) {
    Scalar* destination = target.gradient.data();
    for (std::size_t k = 0; k < count; ++k) {
      destination[k] += source[k];
    }
  } else {
    std::copy(source, source + count, fresh_gradient(target).data());
    target.has_gradient = true;
  }
}

void Tape::backward(Variable loss, std::initializer_list<Variable> wrt) {
  backward(loss, std::span<const Variable>(wrt.begin(), wrt.size()));
}

void Tape::backward(Variable loss, std::span<const Variable> wrt) {
  std::vector<std::size_t> wrt_nodes;
  wrt_nodes.reserve(wrt.size());
  for (const auto& leaf : wrt) {
    check_owned(leaf, "Tape::backward");
    wrt_nodes.push_back(leaf.index_);
  }
  run_backward(loss, wrt_nodes);

  // A listed leaf that the loss does not depend on has a zero gradient.
  for (const std::size_t index : wrt_nodes) {
    Node& node = nodes_[index];
    if (!node.has_gradient) {
      node.gradient = xt::zeros<Scalar>(node.value.shape());
      node.has_gradient = true;
    }
  }
}

void Tape::backward(Variable loss, const ParameterList& parameters) {
  std::vector<std::size_t> wrt_nodes;
  for (const Parameter* parameter : parameters) {
    for (const auto& [recorded, index] : parameter_nodes_) {
      if (recorded == parameter) {
        wrt_nodes.push_back(index);
      }
    }
  }
  run_backward(loss, wrt_nodes);

  for (Parameter* parameter : parameters) {
    const auto found = std::find_if(parameter_nodes_.begin(), parameter_nodes_.end(),
                                    [&](const auto& entry) { return entry.first == parameter; });
    // Assignment between arrays of one size copies without reallocating.
    if (found != parameter_nodes_.end() && nodes_[found->second].has_gradient) {
      parameter->gradient = nodes_[found->second].gradient;
    } else if (shape_of(parameter->gradient) == shape_of(parameter->value)) {
      std::fill(parameter->gradient.begin(), parameter->gradient.end(), 0.0);
    } else {
      parameter->gradient = xt::zeros<Scalar>(parameter->value.shape());
    }
  }
}

void Tape::run_backward(Variable loss, std::span<const std::size_t> wrt_nodes) {
  check_owned(loss, "Tape::backward");
  const Shape loss_shape = shape_of(nodes_[loss.index_].value);
  if (loss_shape != Shape{1, 1}) {
    throw shape_error("Tape::backward", "the loss must be a scalar of shape [1, 1]", loss_shape);
  }

  // Forward sweep: a node is needed when it is a requested leaf or one of its
  // inputs is needed. Nodes before the first requested leaf cannot be needed.
  for (auto& node : nodes_) {
    node.needed = false;
    node.has_gradient = false;
  }
  if (wrt_nodes.empty()) {
    return;
  }
  for (const std::size_t index : wrt_nodes) {
    nodes_[index].needed = true;
  }
  const std::size_t first = *std::min_element(wrt_nodes.begin(), wrt_nodes.end());
  for (std::size_t index = first; index <= loss.index_; ++index) {
    auto& node = nodes_[index];
    for (std::uint32_t k = 0; k < node.input_count && !node.needed; ++k) {
      node.needed = nodes_[inputs_[node.first_input + k]].needed;
    }
  }
  if (!nodes_[loss.index_].needed) {
    return;
  }

  // Backward sweep in reverse recording order: every consumer of a node comes
  // after it on the tape, so its gradient is complete when the walk reaches it.
  fresh_gradient(nodes_[loss.index_])(0, 0) = 1.0;
  nodes_[loss.index_].has_gradient = true;
  for (std::size_t index = loss.index_ + 1; index-- > first;) {
    auto& node = nodes_[index];
    if (!node.needed || !node.has_gradient) {
      continue;
    }
    // The gradient would stop here without a word, so the pass throws.
    if (node.without_gradient) {
      throw std::logic_error(std::string("Tape::backward: op '") + node.op +
                             "' was recorded with gradients off (Tape::set_gradients_enabled or "
                             "autodiff::NoGradient); record the forward pass again with "
                             "gradients on");
    }
    if (!node.backward) {
      continue;
    }
    GradientSink sink(*this, index);
    node.backward(node.gradient, sink);
  }
}

void Tape::clear() {
  pool_.end_cycle();
  for (auto& node : nodes_) {
    pool_.give(std::move(node.value));
    pool_.give(std::move(node.gradient));
    pool_.give(std::move(node.saved));
  }
  nodes_.clear();
  inputs_.clear();
  parameter_nodes_.clear();
  ++generation_;
}

std::size_t Tape::allocated_bytes() const {
  std::size_t elements = 0;
  for (const auto& node : nodes_) {
    elements += node.value.size() + node.gradient.size() + node.saved.size();
  }
  return elements * sizeof(Scalar) + pool_.pooled_bytes();
}

}  // namespace autodiff
