#pragma once

// The reverse-mode tape: a flat list of nodes in the order they were computed.
//
// Each op appends one node holding its value, the indices of its inputs and a
// backward function. Backward walks the list from the loss towards the start
// (no recursion), calling each backward function once, after every consumer of
// that node has added its share of the gradient.
//
// Tape::clear() hands every array of the recording to the tape's BufferPool,
// and ops take their output arrays from it with Tape::buffer(), so a training
// loop that records the same ops each step stops allocating after its first
// steps.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "autodiff/buffer_pool.hpp"
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

// The gradient array of one input, for a backward function that writes its
// share in place, and whether that array already contains a partial gradient.
struct GradientTarget {
  Matrix& gradient;  // shaped like the input's value
  bool accumulate;   // true: add to the partial gradient it holds; false: overwrite every element
};

// The interface an op's backward function uses to pass gradients to its
// inputs. Input numbers follow the order given to Tape::record().
class GradientSink {
 public:
  // The forward value of the op being differentiated, so that a backward
  // function such as exp's or tanh's reuses it instead of keeping a copy.
  const Matrix& output() const;

  // The forward value of input `input`, so that a backward function reads
  // its inputs from the tape instead of capturing handles. Throws
  // std::logic_error for an input number the op does not have.
  const Matrix& input(std::size_t input) const;

  // The array the op stored with Tape::record(..., saved); empty if none.
  const Matrix& saved() const;

  // True when the gradient of input `input` is needed by this backward pass.
  // A backward function may skip the work for inputs that are not needed.
  bool needs(std::size_t input) const;

  // Adds `gradient` to the gradient of input `input`. Throws std::logic_error
  // naming the op when the shape differs from the input's value, so that a
  // wrong backward function fails at the op that caused it.
  void accumulate(std::size_t input, const Matrix& gradient);

  // The gradient array of input `input`, for a backward function that
  // writes its share in place instead of building a temporary for
  // accumulate(). When `accumulate` is false the caller must overwrite every
  // element. Throws std::logic_error unless needs(input).
  GradientTarget target(std::size_t input);

  // The tape, whose buffer() and recycle() give a backward function scratch
  // arrays without allocating.
  Tape& tape() const { return tape_; }

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
  // An lvalue is copied into a pooled array; an rvalue is moved in.
  Variable constant(const Matrix& value);
  Variable constant(Matrix&& value);

  // Records a leaf whose gradient can be requested with backward(loss, {leaf}).
  Variable variable(const Matrix& value);
  Variable variable(Matrix&& value);

  // Records a parameter as a leaf. Recording the same parameter twice on one
  // tape returns the same node, so its gradient is accumulated once.
  // NOTE: the tape copies the parameter's value, into a pooled array, so a
  // copy costs no allocation. An optimizer step during the lifetime of this
  // tape does not change the recorded value.
  Variable parameter(Parameter& parameter);

  // Appends the result of an op. `op` names the op in error messages and must
  // outlive the tape (a string literal). `backward` may be empty for ops that
  // pass no gradient.
  Variable record(const char* op, Matrix value, std::initializer_list<Variable> inputs,
                  BackwardFunction backward);
  Variable record(const char* op, Matrix value, std::span<const Variable> inputs,
                  BackwardFunction backward);

  // Records an op that keeps an array for its backward function, such as a
  // loss's precomputed derivative; GradientSink::saved() returns it. Storing
  // it on the node instead of in the closure keeps the closure small and lets
  // the array return to the pool on clear().
  Variable record(const char* op, Matrix value, std::initializer_list<Variable> inputs,
                  BackwardFunction backward, Matrix saved);
  Variable record(const char* op, Matrix value, std::span<const Variable> inputs,
                  BackwardFunction backward, Matrix saved);

  // Returns an array of `shape` with unspecified contents, from the pool when
  // an array of the same size is free. Ops fill it and pass it to record().
  Matrix buffer(const Shape& shape) { return pool_.take(shape); }

  // Returns a scratch array from buffer() to the pool.
  void recycle(Matrix&& array) { pool_.give(std::move(array)); }

  // Computes d loss / d leaf for each leaf in `wrt` only, walking the nodes
  // that lie between them and `loss`. The loss must be a [1, 1] node of this
  // tape. A listed leaf that the loss does not depend on gets a zero
  // gradient. Gradients of earlier backward passes on this tape are discarded.
  void backward(Variable loss, std::span<const Variable> wrt);
  void backward(Variable loss, std::initializer_list<Variable> wrt);

  // Computes d loss / d p for every listed parameter and stores it in
  // p->gradient (zeros for a parameter that was not recorded on this tape).
  // Parameters not in the list keep their gradients untouched.
  void backward(Variable loss, const ParameterList& parameters);

  // Drops every node but keeps the allocated capacity and hands the node
  // arrays to the pool, so that a training loop that clears the tape each
  // step runs with flat memory. Handles from before the call become invalid.
  void clear();

  std::size_t size() const { return nodes_.size(); }

  // Turns the recording of gradients off or on, for evaluation passes that
  // need no gradients. While it is off, ops still compute values, but the
  // tape drops their backward functions and saved arrays, and an op may skip
  // work that only its backward pass needs (nn::gaussian_mixture_nll skips
  // its derivatives). A later backward pass through an op recorded that way
  // throws std::logic_error. clear() keeps the setting. See NoGradient below
  // for a scoped switch.
  void set_gradients_enabled(bool enabled) { gradients_enabled_ = enabled; }
  bool gradients_enabled() const { return gradients_enabled_; }

  // Bytes of the arrays the tape holds: node values, gradients and saved
  // arrays of the current recording plus the pooled arrays. Constant from
  // step to step of a loop that records the same ops.
  std::size_t allocated_bytes() const;

 private:
  friend class Variable;
  friend class GradientSink;

  struct Node {
    const char* op = "";
    Matrix value;
    Matrix gradient;
    Matrix saved;
    BackwardFunction backward;
    std::uint32_t first_input = 0;
    std::uint32_t input_count = 0;
    bool has_gradient = false;
    bool needed = false;  // set during backward: the node lies on a path to a requested leaf
    bool is_leaf = false;
    bool without_gradient = false;  // recorded while gradients were off
  };

  const Node& node_of(const Variable& variable) const;
  void check_owned(const Variable& variable, std::string_view what) const;
  Variable leaf(const char* op, Matrix value);
  void accumulate(std::size_t node, const Matrix& gradient);
  Matrix& fresh_gradient(Node& node);
  void run_backward(Variable loss, std::span<const std::size_t> wrt_nodes);

  std::vector<Node> nodes_;
  std::vector<std::uint32_t> inputs_;  // input node indices of all nodes, back to back
  std::vector<std::pair<const Parameter*, std::size_t>> parameter_nodes_;
  std::uint64_t generation_ = 1;
  BufferPool pool_;
  bool gradients_enabled_ = true;
};

// A scoped switch: turns gradient recording off on a tape for the lifetime
// of the object and restores the previous setting afterwards.
class NoGradient {
 public:
  explicit NoGradient(Tape& tape) : tape_(tape), previous_(tape.gradients_enabled()) {
    tape_.set_gradients_enabled(false);
  }
  ~NoGradient() { tape_.set_gradients_enabled(previous_); }
  NoGradient(const NoGradient&) = delete;
  NoGradient& operator=(const NoGradient&) = delete;

 private:
  Tape& tape_;
  bool previous_;
};

}  // namespace autodiff
