#pragma once

// Thin RAII helpers over the HDF5 C API, shared by the HDF5 loader and the
// data set cache. Every function throws std::runtime_error naming the file
// when an HDF5 call fails; none prints.

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <hdf5.h>

#include "autodiff/matrix.hpp"

namespace physics::hdf5 {

// Owns one HDF5 identifier and closes it with the matching H5?close function.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);

  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept
      : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      closer_ = other.closer_;
    }
    return *this;
  }
  ~Handle() { reset(); }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

  // Closes the identifier now and returns whether HDF5 reported success.
  bool close() {
    const bool ok = !valid() || closer_(id_) >= 0;
    id_ = H5I_INVALID_HID;
    return ok;
  }

 private:
  void reset() {
    if (valid()) {
      closer_(id_);
    }
    id_ = H5I_INVALID_HID;
  }

  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

// Turns off HDF5's automatic printing of its error stack for the lifetime of
// the object and restores the previous handler afterwards.
class ErrorPrintingOff {
 public:
  ErrorPrintingOff() {
    H5Eget_auto2(H5E_DEFAULT, &saved_function_, &saved_data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ErrorPrintingOff(const ErrorPrintingOff&) = delete;
  ErrorPrintingOff& operator=(const ErrorPrintingOff&) = delete;
  ~ErrorPrintingOff() { H5Eset_auto2(H5E_DEFAULT, saved_function_, saved_data_); }

 private:
  H5E_auto2_t saved_function_ = nullptr;
  void* saved_data_ = nullptr;
};

// Opens an existing HDF5 file read-only. Throws std::runtime_error, with
// `function` in the message, when the file does not exist, is not an HDF5
// file or cannot be opened.
Handle open_for_reading(const std::filesystem::path& path, const char* function);

// Creates (or truncates) an HDF5 file for writing.
Handle create_file(const std::filesystem::path& path);

// Element class, element size and dimensions of a dataset.
struct DatasetShape {
  H5T_class_t type_class = H5T_NO_CLASS;
  std::size_t element_size = 0;  // bytes per element in the file
  std::vector<hsize_t> dimensions;
};

// Formats dimensions as "[d0, d1, ...]".
std::string format_dimensions(const std::vector<hsize_t>& dimensions);

// The name of an element class for messages, for example "floating-point".
std::string describe_type_class(H5T_class_t type_class);

// Whether `file` has a link called `name` at its root.
bool has_link(const Handle& file, const std::string& name);

// Opens the dataset `name`. Throws std::runtime_error when the link exists
// but is not a dataset (a group, for instance).
Handle open_dataset(const Handle& file, const std::string& name, const std::filesystem::path& path);

DatasetShape shape_of(const Handle& dataset, const std::string& name,
                      const std::filesystem::path& path);

// The largest number of data bytes (elements times element size) that the
// bytes stored for `dataset` in the file at `path` can contain, or nothing
// when no bound is known. Values that were never written read as the fill
// value, which is not data, so an unfiltered dataset contains at most its
// stored bytes, and those are at most the size of the file. Deflate shrinks
// data at most 1032:1 (the limit of the zlib format, from zlib's technical
// details page), and shuffle and fletcher32 do not shrink it. Other filters
// (szip, nbit, scaleoffset, plugins), external files and virtual datasets
// give no bound.
std::optional<hsize_t> max_data_bytes(const Handle& dataset, const std::string& name,
                                      const std::filesystem::path& path);

// Reads every element of a numeric dataset converted to double, in row-major
// order.
std::vector<double> read_doubles(const Handle& dataset, std::size_t count, const std::string& name,
                                 const std::filesystem::path& path);

// Reads every element of a numeric dataset of `count` elements converted to
// double, or to float for the arrays of a float build, into `values`, in
// row-major order.
void read_doubles_into(const Handle& dataset, double* values, std::size_t count,
                       const std::string& name, const std::filesystem::path& path);
void read_doubles_into(const Handle& dataset, float* values, std::size_t count,
                       const std::string& name, const std::filesystem::path& path);

// Writes `values` [rows, columns] as a 2D float64 dataset.
void write_matrix(const Handle& file, const std::string& name, const autodiff::Matrix& values,
                  const std::filesystem::path& path);

// Writes column 0 of `values` [rows, 1] as a 1D float64 dataset [rows].
void write_column(const Handle& file, const std::string& name, const autodiff::Matrix& values,
                  const std::filesystem::path& path);

// Writes a fixed-length string attribute on the file's root group.
void write_string_attribute(const Handle& file, const std::string& name, const std::string& value,
                            const std::filesystem::path& path);

// Reads a string attribute of the root group, or nothing when there is none
// or it is not a fixed-length string.
std::optional<std::string> read_string_attribute(const Handle& file, const std::string& name);

}  // namespace physics::hdf5
