#include "experiments/physics/data/hdf5_file.hpp"

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <system_error>

namespace physics::hdf5 {
namespace {

std::runtime_error failure(const std::filesystem::path& path, const std::string& step) {
  return std::runtime_error("HDF5 file '" + path.string() + "': " + step +
                            " failed; check that the file is a readable, undamaged HDF5 file "
                            "and that its folder is writable when writing");
}

// Returns the HDF5 type of a double or float in memory. HDF5 converts between
// it and the stored type on reading and writing.
hid_t memory_type(const double*) { return H5T_NATIVE_DOUBLE; }
hid_t memory_type(const float*) { return H5T_NATIVE_FLOAT; }

// Writes the elements of `values` as a float64 dataset with the given
// dimensions.
void write_doubles(const Handle& file, const std::string& name,
                   const std::vector<hsize_t>& dimensions, const autodiff::Scalar* values,
                   const std::filesystem::path& path) {
  const Handle space(
      H5Screate_simple(static_cast<int>(dimensions.size()), dimensions.data(), nullptr), H5Sclose);
  if (!space.valid()) {
    throw failure(path, "creating the dataspace of '" + name + "'");
  }
  const Handle dataset(H5Dcreate2(file.get(), name.c_str(), H5T_IEEE_F64LE, space.get(),
                                  H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                       H5Dclose);
  if (!dataset.valid()) {
    throw failure(path, "creating dataset '" + name + "'");
  }
  if (H5Dwrite(dataset.get(), memory_type(values), H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0) {
    throw failure(path, "writing dataset '" + name + "'");
  }
}

}  // namespace

Handle open_for_reading(const std::filesystem::path& path, const char* function) {
  const ErrorPrintingOff quiet;

  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    throw std::runtime_error(std::string(function) + ": the file '" + path.string() +
                             "' was not found; check the path");
  }
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    throw std::runtime_error(std::string(function) + ": '" + path.string() +
                             "' is not an HDF5 file; pass a file written with HDF5 "
                             "(for example with h5py or the HDF5 C API)");
  }

  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) {
    throw std::runtime_error(std::string(function) + ": HDF5 could not open '" + path.string() +
                             "'; check its permissions and that it is not damaged");
  }
  return file;
}

Handle create_file(const std::filesystem::path& path) {
  const ErrorPrintingOff quiet;
  Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) {
    throw failure(path, "creating the file");
  }
  return file;
}

std::string format_dimensions(const std::vector<hsize_t>& dimensions) {
  std::string text = "[";
  for (std::size_t i = 0; i < dimensions.size(); ++i) {
    text += (i == 0 ? "" : ", ") + std::to_string(dimensions[i]);
  }
  return text + "]";
}

std::string describe_type_class(H5T_class_t type_class) {
  switch (type_class) {
    case H5T_INTEGER:
      return "integer";
    case H5T_FLOAT:
      return "floating-point";
    case H5T_STRING:
      return "string";
    case H5T_COMPOUND:
      return "compound";
    case H5T_ENUM:
      return "enum";
    default:
      return "non-numeric";
  }
}

bool has_link(const Handle& file, const std::string& name) {
  const ErrorPrintingOff quiet;
  return H5Lexists(file.get(), name.c_str(), H5P_DEFAULT) > 0;
}

Handle open_dataset(const Handle& file, const std::string& name,
                    const std::filesystem::path& path) {
  const ErrorPrintingOff quiet;
  Handle dataset(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset.valid()) {
    throw std::runtime_error("HDF5 file '" + path.string() + "': '" + name +
                             "' exists but is not a dataset (it may be a group); store the "
                             "array as a dataset named '" +
                             name + "' at the root");
  }
  return dataset;
}

DatasetShape shape_of(const Handle& dataset, const std::string& name,
                      const std::filesystem::path& path) {
  const ErrorPrintingOff quiet;

  const Handle type(H5Dget_type(dataset.get()), H5Tclose);
  const Handle space(H5Dget_space(dataset.get()), H5Sclose);
  if (!type.valid() || !space.valid()) {
    throw failure(path, "reading the type and shape of dataset '" + name + "'");
  }

  DatasetShape shape;
  shape.type_class = H5Tget_class(type.get());
  shape.element_size = H5Tget_size(type.get());
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) {
    throw failure(path, "reading the rank of dataset '" + name + "'");
  }
  shape.dimensions.resize(static_cast<std::size_t>(rank));
  if (rank > 0 && H5Sget_simple_extent_dims(space.get(), shape.dimensions.data(), nullptr) < 0) {
    throw failure(path, "reading the dimensions of dataset '" + name + "'");
  }
  return shape;
}

std::optional<hsize_t> max_data_bytes(const Handle& dataset, const std::string& name,
                                      const std::filesystem::path& path) {
  const ErrorPrintingOff quiet;

  const Handle properties(H5Dget_create_plist(dataset.get()), H5Pclose);
  if (!properties.valid()) {
    throw failure(path, "reading the storage properties of dataset '" + name + "'");
  }
  const H5D_layout_t layout = H5Pget_layout(properties.get());
  if (layout < 0) {
    throw failure(path, "reading the storage layout of dataset '" + name + "'");
  }
  if (layout == H5D_VIRTUAL || H5Pget_external_count(properties.get()) != 0) {
    return std::nullopt;  // the data lives in other files
  }

  // The largest factor by which the filters can shrink the data.
  constexpr hsize_t deflate_max_ratio = 1032;
  hsize_t ratio = 1;
  const int filters = H5Pget_nfilters(properties.get());
  if (filters < 0) {
    throw failure(path, "reading the filters of dataset '" + name + "'");
  }
  for (int index = 0; index < filters; ++index) {
    unsigned flags = 0;
    std::size_t parameter_count = 0;
    const H5Z_filter_t filter =
        H5Pget_filter2(properties.get(), static_cast<unsigned>(index), &flags, &parameter_count,
                       nullptr, 0, nullptr, nullptr);
    if (filter == H5Z_FILTER_SHUFFLE || filter == H5Z_FILTER_FLETCHER32) {
      continue;
    }
    if (filter != H5Z_FILTER_DEFLATE) {
      return std::nullopt;
    }
    // Deflate applied twice can shrink by up to 1032^2, and the product
    // saturates instead of overflowing.
    const hsize_t limit = std::numeric_limits<hsize_t>::max();
    ratio = ratio > limit / deflate_max_ratio ? limit : ratio * deflate_max_ratio;
  }

  // H5Dget_storage_size also returns 0 when it fails, so a dataset whose
  // storage cannot be read counts as storing nothing. It returns the size
  // recorded in the file, which a damaged header can inflate, but no dataset
  // stores more bytes than the whole file has.
  hsize_t stored = H5Dget_storage_size(dataset.get());
  std::error_code error;
  const std::uintmax_t file_size = std::filesystem::file_size(path, error);
  if (!error && file_size < stored) {
    stored = static_cast<hsize_t>(file_size);
  }
  const hsize_t limit = std::numeric_limits<hsize_t>::max();
  return stored != 0 && ratio > limit / stored ? limit : stored * ratio;
}

namespace {

template <typename Value>
void read_into(const Handle& dataset, Value* values, std::size_t count, const std::string& name,
               const std::filesystem::path& path) {
  const ErrorPrintingOff quiet;
  if (count > 0 &&
      H5Dread(dataset.get(), memory_type(values), H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0) {
    throw failure(path, "reading dataset '" + name + "' as " +
                            (sizeof(Value) == sizeof(double) ? "double" : "float"));
  }
}

}  // namespace

void read_doubles_into(const Handle& dataset, double* values, std::size_t count,
                       const std::string& name, const std::filesystem::path& path) {
  read_into(dataset, values, count, name, path);
}

void read_doubles_into(const Handle& dataset, float* values, std::size_t count,
                       const std::string& name, const std::filesystem::path& path) {
  read_into(dataset, values, count, name, path);
}

std::vector<double> read_doubles(const Handle& dataset, std::size_t count, const std::string& name,
                                 const std::filesystem::path& path) {
  std::vector<double> values(count);
  read_doubles_into(dataset, values.data(), count, name, path);
  return values;
}

void write_matrix(const Handle& file, const std::string& name, const autodiff::Matrix& values,
                  const std::filesystem::path& path) {
  const ErrorPrintingOff quiet;
  // xtensor's default layout is row-major, the layout HDF5 expects.
  write_doubles(file, name, {values.shape(0), values.shape(1)}, values.data(), path);
}

void write_column(const Handle& file, const std::string& name, const autodiff::Matrix& values,
                  const std::filesystem::path& path) {
  const ErrorPrintingOff quiet;
  std::vector<autodiff::Scalar> column(values.shape(0));  // [rows]
  for (std::size_t row = 0; row < column.size(); ++row) {
    column[row] = values(row, 0);
  }
  write_doubles(file, name, {column.size()}, column.data(), path);
}

void write_string_attribute(const Handle& file, const std::string& name, const std::string& value,
                            const std::filesystem::path& path) {
  const ErrorPrintingOff quiet;

  const Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  if (!type.valid() || H5Tset_size(type.get(), value.empty() ? 1 : value.size()) < 0) {
    throw failure(path, "creating the string type of attribute '" + name + "'");
  }
  const Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  const Handle attribute(
      H5Acreate2(file.get(), name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
      H5Aclose);
  if (!space.valid() || !attribute.valid()) {
    throw failure(path, "creating attribute '" + name + "'");
  }

  // An empty value is stored as one NUL byte, because HDF5 strings have a
  // size of at least 1.
  const std::string stored = value.empty() ? std::string(1, '\0') : value;
  if (H5Awrite(attribute.get(), type.get(), stored.data()) < 0) {
    throw failure(path, "writing attribute '" + name + "'");
  }
}

std::optional<std::string> read_string_attribute(const Handle& file, const std::string& name) {
  const ErrorPrintingOff quiet;

  if (H5Aexists(file.get(), name.c_str()) <= 0) {
    return std::nullopt;
  }
  const Handle attribute(H5Aopen(file.get(), name.c_str(), H5P_DEFAULT), H5Aclose);
  const Handle type(attribute.valid() ? H5Aget_type(attribute.get()) : H5I_INVALID_HID, H5Tclose);
  if (!type.valid() || H5Tget_class(type.get()) != H5T_STRING ||
      H5Tis_variable_str(type.get()) != 0) {
    return std::nullopt;
  }

  std::string value(H5Tget_size(type.get()), '\0');
  if (H5Aread(attribute.get(), type.get(), value.data()) < 0) {
    return std::nullopt;
  }
  // Fixed-length strings may be NUL-padded.
  value.resize(value.find('\0') == std::string::npos ? value.size() : value.find('\0'));
  return value;
}

}  // namespace physics::hdf5
