#include "autodiff/tape.hpp"

#include <algorithm>
#include <limits>
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

Variable Tape::constant(Matrix value) {
  return record("constant", std::move(value), {}, {});
}

Variable Tape::variable(Matrix value) {
  Variable leaf = record("variable", std::move(value), {}, {});
  nodes_[leaf.index_].is_leaf = true;
  return leaf;
}

Variable Tape::parameter(Parameter& parameter) {
  for (const auto& [recorded, index] : parameter_nodes_) {
    if (recorded == &parameter) {
      return Variable(this, index, generation_);
    }
  }

  Variable leaf = variable(parameter.value);
  nodes_[leaf.index_].op = "parameter";
  parameter_nodes_.emplace_back(&parameter, leaf.index_);
  return leaf;
}

Variable Tape::record(const char* op, Matrix value, std::initializer_list<Variable> inputs,
                      BackwardFunction backward) {
  return record(op, std::move(value), std::span<const Variable>(inputs.begin(), inputs.size()),
                std::move(backward));
}

Variable Tape::record(const char* op, Matrix value, std::span<const Variable> inputs,
                      BackwardFunction backward) {
  for (const auto& input : inputs) {
    check_owned(input, op);
  }
  if (nodes_.size() >= std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error(std::string(op) + ": the tape is full; clear it between steps");
  }

  Node node;
  node.op = op;
  node.value = std::move(value);
  node.backward = std::move(backward);
  node.first_input = static_cast<std::uint32_t>(inputs_.size());
  node.input_count = static_cast<std::uint32_t>(inputs.size());
  for (const auto& input : inputs) {
    inputs_.push_back(static_cast<std::uint32_t>(input.index_));
  }

  nodes_.push_back(std::move(node));
  return Variable(this, nodes_.size() - 1, generation_);
}

void Tape::accumulate(std::size_t node, const Matrix& gradient) {
  auto& target = nodes_[node];
  if (target.has_gradient) {
    target.gradient += gradient;
  } else {
    target.gradient = gradient;
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
    if (found != parameter_nodes_.end() && nodes_[found->second].has_gradient) {
      parameter->gradient = nodes_[found->second].gradient;
    } else {
      parameter->gradient = xt::zeros<double>(parameter->value.shape());
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
  nodes_[loss.index_].gradient = xt::ones<double>({1, 1});
  nodes_[loss.index_].has_gradient = true;
  for (std::size_t index = loss.index_ + 1; index-- > first;) {
    auto& node = nodes_[index];
    if (!node.needed || !node.has_gradient || !node.backward) {
      continue;
    }
    GradientSink sink(*this, index);
    node.backward(node.gradient, sink);
  }
}

void Tape::clear() {
  nodes_.clear();
  inputs_.clear();
  parameter_nodes_.clear();
  ++generation_;
}

}  // namespace autodiff
