#include "autodiff/buffer_pool.hpp"

#include <algorithm>
#include <utility>

namespace autodiff {

BufferPool::SizeClass& BufferPool::size_class(std::size_t elements) {
  for (std::size_t k = 0; k < class_elements_.size(); ++k) {
    if (class_elements_[k] == elements) {
      return classes_[k];
    }
  }
  class_elements_.push_back(elements);
  classes_.push_back(SizeClass{});
  classes_.back().last_taken = cycle_;
  return classes_.back();
}

Matrix BufferPool::take(const Shape& shape) {
  const std::size_t elements = shape[0] * shape[1];
  if (elements == 0) {
    return Matrix(shape);
  }

  SizeClass& pooled = size_class(elements);
  ++pooled.taken;
  pooled.limit = std::max(pooled.limit, pooled.taken);
  pooled.last_taken = cycle_;
  if (pooled.free.empty()) {
    return Matrix(shape);
  }

  Matrix array = std::move(pooled.free.back());
  pooled.free.pop_back();
  if (shape_of(array) != shape) {
    array.reshape(shape);  // same element count, so the storage stays
  }
  return array;
}

void BufferPool::give(Matrix&& array) {
  const std::size_t elements = array.size();
  if (elements == 0) {
    return;
  }

  SizeClass& pooled = size_class(elements);
  if (pooled.free.size() < pooled.limit) {
    pooled.free.push_back(std::move(array));
  } else {
    Matrix freed = std::move(array);  // released at the end of this scope
  }
}

void BufferPool::end_cycle() {
  ++cycle_;
  for (auto& pooled : classes_) {
    pooled.taken = 0;
  }

  // Drop stale classes by moving the last class into their place.
  for (std::size_t k = classes_.size(); k-- > 0;) {
    if (cycle_ - classes_[k].last_taken > stale_cycles) {
      if (k + 1 != classes_.size()) {
        classes_[k] = std::move(classes_.back());
        class_elements_[k] = class_elements_.back();
      }
      classes_.pop_back();
      class_elements_.pop_back();
    }
  }
}

void BufferPool::release() {
  classes_.clear();
  class_elements_.clear();
}

std::size_t BufferPool::pooled_bytes() const {
  std::size_t bytes = 0;
  for (std::size_t k = 0; k < classes_.size(); ++k) {
    bytes += classes_[k].free.size() * class_elements_[k] * sizeof(Scalar);
  }
  return bytes;
}

}  // namespace autodiff
