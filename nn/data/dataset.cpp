#include "nn/data/dataset.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "autodiff/matrix.hpp"

namespace nn {
namespace {

using autodiff::Matrix;
using autodiff::Scalar;

using autodiff::format_number;

void check_column(const std::string& where, const char* name, const Matrix& column) {
  if (column.shape(1) != 1) {
    throw autodiff::shape_error(
        where, std::string(name) + " must be a column [n, 1] with one value per sample",
        autodiff::shape_of(column));
  }
}

void check_row_counts(const std::string& where, const Dataset& dataset) {
  const std::size_t n = dataset.X.shape(0);
  if (dataset.y.shape(0) != n || dataset.z.shape(0) != n || dataset.weights.shape(0) != n) {
    throw std::invalid_argument(
        where + ": X, y, z and weights must have the same number of rows, got " +
        std::to_string(n) + ", " + std::to_string(dataset.y.shape(0)) + ", " +
        std::to_string(dataset.z.shape(0)) + " and " + std::to_string(dataset.weights.shape(0)) +
        "; pass one label, nuisance value and weight per row of X");
  }
}

// Throws on the first NaN or infinite element, naming the array and its position.
void check_finite(const std::string& where, const char* name, const Matrix& values) {
  const Scalar* data = values.data();
  for (std::size_t k = 0; k < values.size(); ++k) {
    if (!std::isfinite(data[k])) {
      const std::size_t columns = values.shape(1);
      throw std::invalid_argument(where + ": " + std::string(name) + " at row " +
                                  std::to_string(k / columns) + ", column " +
                                  std::to_string(k % columns) + " is " + format_number(data[k]) +
                                  "; remove or impute non-finite values");
    }
  }
}

// Throws on the first label outside [0, 1]; y is finite here.
void check_labels(const std::string& where, const Matrix& y) {
  for (std::size_t row = 0; row < y.shape(0); ++row) {
    const double label = y(row, 0);
    if (label < 0.0 || label > 1.0) {
      throw std::invalid_argument(where + ": y at row " + std::to_string(row) + " is " +
                                  format_number(label) +
                                  ", but binary cross-entropy needs targets in [0, 1]; use 0 "
                                  "and 1 for class labels, or a probability for a soft label");
    }
  }
}

void check_non_negative_weights(const std::string& where, const Matrix& weights) {
  for (std::size_t row = 0; row < weights.shape(0); ++row) {
    const double weight = weights(row, 0);
    if (weight < 0.0) {
      throw std::invalid_argument(where + ": the weight at row " + std::to_string(row) + " is " +
                                  format_number(weight) +
                                  ", but sample weights must be non-negative");
    }
  }
}

// Writes the rows `indices` of `source` into `result`, which is resized only
// when its shape differs.
void gather_rows_into(const Matrix& source, std::span<const std::size_t> indices,
                      Matrix& result) {
  const std::size_t columns = source.shape(1);
  const std::array<std::size_t, 2> shape{indices.size(), columns};
  if (result.shape(0) != shape[0] || result.shape(1) != shape[1]) {
    result.resize(shape);
  }

  // A plain loop: for the one- and two-column arrays of a minibatch, a
  // memmove call per row costs more than the copy.
  for (std::size_t position = 0; position < indices.size(); ++position) {
    const Scalar* row = source.data() + indices[position] * columns;
    Scalar* destination = result.data() + position * columns;
    for (std::size_t column = 0; column < columns; ++column) {
      destination[column] = row[column];
    }
  }
}

// Writes rows begin .. end - 1 of `source` into `result`, which is resized
// only when its shape differs.
void copy_row_range_into(const Matrix& source, std::size_t begin, std::size_t end,
                         Matrix& result) {
  const std::size_t columns = source.shape(1);
  if (result.shape(0) != end - begin || result.shape(1) != columns) {
    result.resize({end - begin, columns});
  }
  std::copy(source.data() + begin * columns, source.data() + end * columns, result.data());
}

}  // namespace

Dataset Dataset::rows(std::span<const std::size_t> indices) const {
  Dataset result;
  rows_into(indices, result);
  return result;
}

void Dataset::rows_into(std::span<const std::size_t> indices, Dataset& out) const {
  if (&out == this) {
    throw std::invalid_argument("Dataset::rows_into: the destination is the dataset itself, whose "
                                "rows it would overwrite while reading them; gather into another "
                                "dataset");
  }
  for (std::size_t position = 0; position < indices.size(); ++position) {
    if (indices[position] >= size()) {
      throw std::invalid_argument("Dataset::rows: index " + std::to_string(indices[position]) +
                                  " at position " + std::to_string(position) +
                                  " is out of range for a dataset of " + std::to_string(size()) +
                                  " rows; indices must be below " + std::to_string(size()));
    }
  }

  gather_rows_into(X, indices, out.X);
  gather_rows_into(y, indices, out.y);
  gather_rows_into(z, indices, out.z);
  gather_rows_into(weights, indices, out.weights);
}

void Dataset::row_range_into(std::size_t begin, std::size_t end, Dataset& out) const {
  if (&out == this) {
    throw std::invalid_argument("Dataset::row_range_into: the destination is the dataset itself; "
                                "copy into another dataset");
  }
  if (begin > end || end > size()) {
    throw std::invalid_argument("Dataset::row_range_into: rows " + std::to_string(begin) +
                                " to " + std::to_string(end) + " (end excluded) are not a range " +
                                "of a dataset of " + std::to_string(size()) +
                                " rows; pass begin <= end <= " + std::to_string(size()));
  }

  copy_row_range_into(X, begin, end, out.X);
  copy_row_range_into(y, begin, end, out.y);
  copy_row_range_into(z, begin, end, out.z);
  copy_row_range_into(weights, begin, end, out.weights);
}

void check_dataset(const Dataset& dataset, const std::string& where) {
  check_column(where, "y", dataset.y);
  check_column(where, "z", dataset.z);
  check_column(where, "weights", dataset.weights);
  check_row_counts(where, dataset);

  check_finite(where, "X", dataset.X);
  check_finite(where, "y", dataset.y);
  check_finite(where, "z", dataset.z);
  check_finite(where, "weights", dataset.weights);
  check_labels(where, dataset.y);
  check_non_negative_weights(where, dataset.weights);
}

Dataset make_dataset(Matrix X, Matrix y, Matrix z, std::optional<Matrix> weights) {
  if (X.shape(0) == 0 || X.shape(1) == 0) {
    throw autodiff::shape_error("make_dataset", "X must have at least one sample and one feature",
                                autodiff::shape_of(X));
  }

  Dataset dataset;
  dataset.weights =
      weights ? std::move(*weights) : Matrix(std::array<std::size_t, 2>{X.shape(0), 1}, 1.0);
  dataset.X = std::move(X);
  dataset.y = std::move(y);
  dataset.z = std::move(z);
  check_dataset(dataset, "make_dataset");

  double total = 0.0;
  for (const double weight : dataset.weights) {
    total += weight;
  }
  if (total <= 0.0) {
    throw std::invalid_argument(
        "make_dataset: the weights sum to 0, so weighted losses and metrics are undefined; give "
        "at least one sample a positive weight");
  }
  return dataset;
}

Dataset select_rows_where(const Dataset& dataset, const std::function<bool(std::size_t)>& keep) {
  std::vector<std::size_t> indices;
  for (std::size_t row = 0; row < dataset.size(); ++row) {
    if (keep(row)) {
      indices.push_back(row);
    }
  }
  return dataset.rows(indices);
}

}  // namespace nn
