#include "experiments/physics/data/hdf5_loader.hpp"

#include <cmath>
#include <cstddef>
#include <limits>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "experiments/physics/data/hdf5_file.hpp"
#include "experiments/physics/data/option_checks.hpp"

namespace physics {
namespace {

constexpr const char* function_name = "load_jet_hdf5";

std::runtime_error content_error(const std::filesystem::path& path, const std::string& problem,
                                 const std::string& fix) {
  return std::runtime_error(std::string(function_name) + ": '" + path.string() + "': " + problem +
                            "; " + fix);
}

// The maximum number of values read into one array of doubles. Its size in
// bytes must fit in std::ptrdiff_t, the bound of
// std::vector<double>::max_size() in libstdc++ and of xtensor's signed
// strides.
constexpr std::size_t max_values =
    static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max()) / sizeof(double);

// Throws unless the bytes that the file stores for dataset `name` can contain
// its `count` elements. hdf5::max_data_bytes explains the bound.
// NOTE: without a bound (szip, nbit, scaleoffset, external or virtual data),
// only a failed allocation is caught. An allocation that the kernel
// overcommits can still exhaust memory while HDF5 fills it.
void check_stored_size(const hdf5::Handle& dataset, const std::string& name,
                       const hdf5::DatasetShape& shape, std::size_t count,
                       const std::filesystem::path& path) {
  const std::optional<hsize_t> capacity = hdf5::max_data_bytes(dataset, name, path);
  if (!capacity || shape.element_size == 0 || count <= *capacity / shape.element_size) {
    return;
  }
  throw content_error(path,
                      "dataset '" + name + "' has shape " +
                          hdf5::format_dimensions(shape.dimensions) + ", " + std::to_string(count) +
                          " elements of " + std::to_string(shape.element_size) +
                          " bytes, but the file stores at most " + std::to_string(*capacity) +
                          " bytes of data for it",
                      "the dimensions are damaged or not every value was written; rewrite "
                      "the dataset with all of its values");
}

// Opens dataset `name`, or throws naming the datasets the file must contain.
hdf5::Handle require_dataset(const hdf5::Handle& file, const std::string& name,
                             const std::filesystem::path& path) {
  if (!hdf5::has_link(file, name)) {
    throw content_error(path, "dataset '" + name + "' is missing",
                        "the file must contain the datasets 'features' [n, k] and "
                        "'targets' [n] at its root");
  }
  // open_dataset throws only when the link is not a dataset, with a message
  // that lacks this function's prefix.
  try {
    return hdf5::open_dataset(file, name, path);
  } catch (const std::runtime_error&) {
    throw content_error(path, "'" + name + "' exists but is not a dataset (it may be a group)",
                        "store the array as a dataset named '" + name + "' at the root");
  }
}

}  // namespace

JetArrays load_jet_hdf5(const std::filesystem::path& path) {
  const hdf5::ErrorPrintingOff quiet;
  const hdf5::Handle file = hdf5::open_for_reading(path, function_name);

  // Features: floating point [n, k].
  const hdf5::Handle features = require_dataset(file, "features", path);
  const hdf5::DatasetShape feature_shape = hdf5::shape_of(features, "features", path);
  const std::string feature_dims = hdf5::format_dimensions(feature_shape.dimensions);
  if (feature_shape.dimensions.size() != 2) {
    throw content_error(path,
                        "dataset 'features' has rank " +
                            std::to_string(feature_shape.dimensions.size()) + " with shape " +
                            feature_dims + ", but it must be 2D [n, k]",
                        "store one row of k features per jet");
  }
  if (feature_shape.type_class != H5T_FLOAT) {
    throw content_error(path,
                        "dataset 'features' " + feature_dims + " has " +
                            hdf5::describe_type_class(feature_shape.type_class) +
                            " elements, but it must be floating point",
                        "store the features as float32 or float64");
  }
  const std::size_t rows = feature_shape.dimensions[0];
  const std::size_t columns = feature_shape.dimensions[1];
  if (rows == 0 || columns == 0) {
    throw content_error(path, "dataset 'features' has shape " + feature_dims + " with no values",
                        "store at least one jet and one feature");
  }

  // Targets: numeric [n] or [n, 1].
  const hdf5::Handle targets = require_dataset(file, "targets", path);
  const hdf5::DatasetShape target_shape = hdf5::shape_of(targets, "targets", path);
  const std::string target_dims = hdf5::format_dimensions(target_shape.dimensions);
  const bool column_shape =
      target_shape.dimensions.size() == 1 ||
      (target_shape.dimensions.size() == 2 && target_shape.dimensions[1] == 1);
  if (!column_shape) {
    throw content_error(path,
                        "dataset 'targets' has rank " +
                            std::to_string(target_shape.dimensions.size()) + " with shape " +
                            target_dims + ", but it must be [n] or [n, 1]",
                        "store one label per jet");
  }
  if (target_shape.type_class != H5T_FLOAT && target_shape.type_class != H5T_INTEGER) {
    throw content_error(path,
                        "dataset 'targets' " + target_dims + " has " +
                            hdf5::describe_type_class(target_shape.type_class) +
                            " elements, but it must be integer or floating point",
                        "store the labels as numbers 0 (QCD) and 1 (W)");
  }
  if (target_shape.dimensions[0] != rows) {
    throw content_error(path,
                        "dataset 'features' has shape " + feature_dims +
                            " but 'targets' has shape " + target_dims +
                            ", so their row counts differ",
                        "store exactly one target per row of features");
  }

  // The dimensions come from the file, so they are checked before anything
  // is allocated, because a damaged header can claim far more values than the
  // file stores or than fit in memory.
  if (rows > max_values / columns) {
    throw content_error(path,
                        "dataset 'features' has shape " + feature_dims +
                            ", more values than the maximum of " + std::to_string(max_values) +
                            " in one array of doubles",
                        "the dimensions are damaged; rewrite the file");
  }
  check_stored_size(features, "features", feature_shape, rows * columns, path);
  check_stored_size(targets, "targets", target_shape, rows, path);

  JetArrays arrays;
  try {
    arrays = JetArrays{autodiff::Matrix({rows, columns}), autodiff::Matrix({rows, std::size_t{1}})};
  } catch (const std::bad_alloc&) {
    throw content_error(path,
                        "datasets 'features' " + feature_dims + " and 'targets' " + target_dims +
                            " need " + std::to_string((rows * columns + rows) * sizeof(double)) +
                            " bytes of memory as doubles, which could not be allocated",
                        "free memory or split the file into smaller ones");
  }
  // Matrix is row-major and contiguous, the layout in which HDF5 reads.
  hdf5::read_doubles_into(features, arrays.features.data(), rows * columns, "features", path);
  hdf5::read_doubles_into(targets, arrays.targets.data(), rows, "targets", path);

  for (std::size_t row = 0; row < rows; ++row) {
    for (std::size_t column = 0; column < columns; ++column) {
      const double value = arrays.features(row, column);
      if (!std::isfinite(value)) {
        throw content_error(path,
                            "dataset 'features' has the value " + detail::format_number(value) +
                                " at row " + std::to_string(row) + ", column " +
                                std::to_string(column),
                            "remove or impute non-finite features before loading");
      }
    }

    const double label = arrays.targets(row, 0);
    if (label != 0.0 && label != 1.0) {
      throw content_error(path,
                          "dataset 'targets' has the value " + detail::format_number(label) +
                              " at row " + std::to_string(row) + ", but labels must be 0 or 1",
                          "store 0 for QCD jets and 1 for W jets");
    }
  }
  return arrays;
}

nn::Dataset load_jet_hdf5_dataset(const std::filesystem::path& path, double pileup) {
  if (!std::isfinite(pileup)) {
    throw std::invalid_argument("load_jet_hdf5_dataset: pileup is " +
                                detail::format_number(pileup) +
                                "; pass a finite nuisance value, such as 0 or 1");
  }

  JetArrays arrays = load_jet_hdf5(path);
  const std::size_t rows = arrays.features.shape(0);
  autodiff::Matrix z({rows, std::size_t{1}}, static_cast<autodiff::Scalar>(pileup));
  return nn::make_dataset(std::move(arrays.features), std::move(arrays.targets), std::move(z));
}

}  // namespace physics
