#pragma once

// The reverse-mode tape: a flat list of nodes in the order they were computed.
//
// Each op appends one node holding its value, the indices of its inputs and a
// backward function. Backward walks the list from the loss towards the start
// (no recursion), calling each backward function once, after every consumer of
// that node has added its share of the gradient.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "autodiff/matrix.hpp"
#include "autodiff/parameter.hpp"

namespace autodiff {

class Tape;

// A handle to one node of a tape: cheap to copy, valid until the tape is
// cleared. Reading a handle from before Tape::clear() throws std::logic_error.
class Variable {
 public:
  Variable() = default;

  // The forward value, [rows, cols].
  const Matrix& value() const;

  // The gradient from the last backward pass; throws std::logic_error if that
  // pass did not compute one for this node.
  const Matrix& gradient() const;

  Shape shape() const { return shape_of(value()); }
  Tape& tape() const;
  std::size_t index() const { return index_; }

 private:
  friend class Tape;
  Variable(Tape* tape, std::size_t index, std::uint64_t generation)
      : tape_(tape), index_(index), generation_(generation) {}

  Tape* tape_ = nullptr;
  std::size_t index_ = 0;
  std::uint64_t generation_ = 0;
};

// The interface an op's backward function uses to pass gradients to its
// inputs. Input numbers follow the order given to Tape::record().
class GradientSink {
 public:
  // The forward value of the op being differentiated, so that a backward
  // function such as exp's or tanh's reuses it instead of keeping a copy.
  const Matrix& output() const;

  // True when the gradient of input `input` is needed by this backward pass.
  // A backward function may skip the work for inputs that are not needed.
  bool needs(std::size_t input) const;

  // Adds `gradient` to the gradient of input `input`. Throws std::logic_error
  // naming the op when the shape differs from the input's value, so that a
  // wrong backward function fails at the op that caused it.
  void accumulate(std::size_t input, const Matrix& gradient);

 private:
  friend class Tape;
  GradientSink(Tape& tape, std::size_t node) : tape_(tape), node_(node) {}

  Tape& tape_;
  std::size_t node_;
};

// Computes the gradients of an op's inputs from the gradient of its output.
using BackwardFunction = std::function<void(const Matrix& output_gradient, GradientSink& sink)>;

class Tape {
 public:
  Tape() = default;
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;

  // Records an array that no gradient flows into (data, targets, weights).
  Variable constant(Matrix value);

  // Records a leaf whose gradient can be requested with backward(loss, {leaf}).
  Variable variable(Matrix value);

  // Records a parameter as a leaf. Recording the same parameter twice on one
  // tape returns the same node, so its gradient is accumulated once.
  // NOTE: the tape copies the parameter's value; an optimizer step during the
  // lifetime of this tape does not change the recorded value.
  Variable parameter(Parameter& parameter);

  // Appends the result of an op. `op` names the op in error messages and must
  // outlive the tape (a string literal). `backward` may be empty for ops that
  // pass no gradient.
  Variable record(const char* op, Matrix value, std::initializer_list<Variable> inputs,
                  BackwardFunction backward);
  Variable record(const char* op, Matrix value, std::span<const Variable> inputs,
                  BackwardFunction backward);

  // Computes d loss / d leaf for each leaf in `wrt` only, walking the nodes
  // that lie between them and `loss`. The loss must be a [1, 1] node of this
  // tape. Gradients of earlier backward passes on this tape are discarded.
  void backward(Variable loss, std::span<const Variable> wrt);
  void backward(Variable loss, std::initializer_list<Variable> wrt);

  // Computes d loss / d p for every listed parameter and stores it in
  // p->gradient (zeros for a parameter that was not recorded on this tape).
  // Parameters not in the list keep their gradients untouched.
  void backward(Variable loss, const ParameterList& parameters);

  // Drops every node but keeps the allocated capacity, so that a training loop
  // that clears the tape each step runs with flat memory. Handles from before
  // the call become invalid.
  void clear();

  std::size_t size() const { return nodes_.size(); }

 private:
  friend class Variable;
  friend class GradientSink;

  struct Node {
    const char* op = "";
    Matrix value;
    Matrix gradient;
    BackwardFunction backward;
    std::uint32_t first_input = 0;
    std::uint32_t input_count = 0;
    bool has_gradient = false;
    bool needed = false;  // set during backward: the node lies on a path to a requested leaf
    bool is_leaf = false;
  };

  const Node& node_of(const Variable& variable) const;
  void check_owned(const Variable& variable, std::string_view what) const;
  void accumulate(std::size_t node, const Matrix& gradient);
  void run_backward(Variable loss, std::span<const std::size_t> wrt_nodes);

  std::vector<Node> nodes_;
  std::vector<std::uint32_t> inputs_;  // input node indices of all nodes, back to back
  std::vector<std::pair<const Parameter*, std::size_t>> parameter_nodes_;
  std::uint64_t generation_ = 1;
};

}  // namespace autodiff
