#define BOOST_TEST_MODULE physics_hdf5_loader
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <hdf5.h>
#include <sys/resource.h>
#include <unistd.h>

#include "experiments/physics/data/hdf5_loader.hpp"

namespace fs = std::filesystem;

namespace {

// A fresh folder under the system's temporary directory, removed afterwards.
struct TemporaryFolder {
  TemporaryFolder() {
    static int counter = 0;
    path = fs::temp_directory_path() / ("physics_hdf5_loader_test_" + std::to_string(::getpid()) +
                                        "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;
  ~TemporaryFolder() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }

  fs::path path;
};

// Writes HDF5 test files through the C API, independently of the library.
class TestFile {
 public:
  explicit TestFile(const fs::path& path)
      : file_(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)) {
    BOOST_TEST_REQUIRE(file_ >= 0);
  }
  TestFile(const TestFile&) = delete;
  TestFile& operator=(const TestFile&) = delete;
  ~TestFile() { H5Fclose(file_); }

  // Writes `values` with memory type `memory_type` as a dataset of file type
  // `file_type` and the given dimensions.
  template <typename T>
  void dataset(const char* name, hid_t file_type, hid_t memory_type,
               std::initializer_list<hsize_t> dimensions, const std::vector<T>& values) {
    const std::vector<hsize_t> dims(dimensions);
    const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
    const hid_t set =
        H5Dcreate2(file_, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    BOOST_TEST_REQUIRE(set >= 0);
    BOOST_TEST_REQUIRE(H5Dwrite(set, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >=
                       0);
    H5Dclose(set);
    H5Sclose(space);
  }

  void doubles(const char* name, std::initializer_list<hsize_t> dimensions,
               const std::vector<double>& values) {
    dataset(name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, dimensions, values);
  }

  // Creates a chunked float64 dataset whose chunks HDF5 allocates only when
  // they are written, and whose unwritten values are never filled in
  // (H5D_FILL_TIME_NEVER), so that huge dimensions take no space. `filters`
  // may add filters to the creation properties. Writes `first_rows`, a
  // row-major block of whole rows, at the start of the dataset.
  void chunked_doubles(const char* name, const std::vector<hsize_t>& dimensions,
                       const std::vector<hsize_t>& chunk,
                       const std::vector<double>& first_rows = {},
                       void (*filters)(hid_t properties) = nullptr) {
    const hid_t properties = H5Pcreate(H5P_DATASET_CREATE);
    BOOST_TEST_REQUIRE(H5Pset_chunk(properties, static_cast<int>(chunk.size()), chunk.data()) >= 0);
    BOOST_TEST_REQUIRE(H5Pset_fill_time(properties, H5D_FILL_TIME_NEVER) >= 0);
    if (filters != nullptr) {
      filters(properties);
    }
    const hid_t space =
        H5Screate_simple(static_cast<int>(dimensions.size()), dimensions.data(), nullptr);
    BOOST_TEST_REQUIRE(space >= 0);
    const hid_t set =
        H5Dcreate2(file_, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, properties, H5P_DEFAULT);
    BOOST_TEST_REQUIRE(set >= 0);

    if (!first_rows.empty()) {
      std::vector<hsize_t> block = dimensions;  // [rows written, the other dimensions]
      block[0] = first_rows.size() / (dimensions.size() == 2 ? dimensions[1] : 1);
      const std::vector<hsize_t> start(dimensions.size(), 0);
      BOOST_TEST_REQUIRE(H5Sselect_hyperslab(space, H5S_SELECT_SET, start.data(), nullptr,
                                             block.data(), nullptr) >= 0);
      const hid_t memory = H5Screate_simple(static_cast<int>(block.size()), block.data(), nullptr);
      BOOST_TEST_REQUIRE(
          H5Dwrite(set, H5T_NATIVE_DOUBLE, memory, space, H5P_DEFAULT, first_rows.data()) >= 0);
      H5Sclose(memory);
    }
    H5Dclose(set);
    H5Sclose(space);
    H5Pclose(properties);
  }

  void group(const char* name) {
    const hid_t created = H5Gcreate2(file_, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    BOOST_TEST_REQUIRE(created >= 0);
    H5Gclose(created);
  }

 private:
  hid_t file_;
};

// The message of the std::runtime_error that `call` throws, or records a
// failure and returns "" when it throws nothing.
template <typename Call>
std::string runtime_error_message(const Call& call) {
  try {
    call();
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  BOOST_ERROR("expected std::runtime_error, but nothing was thrown");
  return "";
}

void check_contains(const std::string& message, std::initializer_list<std::string_view> parts) {
  for (const std::string_view part : parts) {
    BOOST_TEST(message.find(part) != std::string::npos,
               "message '" << message << "' does not contain '" << part << "'");
  }
}

// The message of loading `path`, which must fail.
std::string load_error(const fs::path& path) {
  return runtime_error_message([&] { physics::load_jet_hdf5(path); });
}

const std::vector<double> six_features = {1, 2, 3, 4, 5, 6};

// The bytes that HDF5 reports as stored for dataset `name` of the file.
hsize_t stored_bytes(const fs::path& path, const char* name) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t set = H5Dopen2(file, name, H5P_DEFAULT);
  const hsize_t bytes = H5Dget_storage_size(set);
  H5Dclose(set);
  H5Fclose(file);
  return bytes;
}

void add_deflate(hid_t properties) {
  BOOST_TEST_REQUIRE(H5Pset_shuffle(properties) >= 0);
  BOOST_TEST_REQUIRE(H5Pset_deflate(properties, 9) >= 0);
}

// The n-bit filter, whose shrink factor max_data_bytes does not bound. Only
// allocation_failure uses it, and not under AddressSanitizer.
[[maybe_unused]] void add_nbit(hid_t properties) {
  BOOST_TEST_REQUIRE(H5Pset_nbit(properties) >= 0);
}

}  // namespace

BOOST_AUTO_TEST_CASE(round_trip_float32_and_integer_targets) {
  const TemporaryFolder folder;
  const fs::path path = folder.path / "jets.h5";
  {
    TestFile file(path);
    file.dataset("features", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {3, 2},
                 std::vector<float>{0.5F, -1.25F, 2.0F, 3.5F, 80.25F, 0.125F});
    file.dataset("targets", H5T_STD_I32LE, H5T_NATIVE_INT, {3}, std::vector<int>{1, 0, 1});
  }

  const physics::JetArrays arrays = physics::load_jet_hdf5(path);

  // Every value is exact in float32, so the conversion to double is exact.
  BOOST_TEST_REQUIRE(arrays.features.shape(0) == 3U);
  BOOST_TEST_REQUIRE(arrays.features.shape(1) == 2U);
  BOOST_TEST(arrays.features(0, 1) == -1.25);
  BOOST_TEST(arrays.features(2, 0) == 80.25);
  BOOST_TEST(arrays.targets.shape(1) == 1U);
  BOOST_TEST(arrays.targets(0, 0) == 1.0);
  BOOST_TEST(arrays.targets(1, 0) == 0.0);
}

BOOST_AUTO_TEST_CASE(round_trip_float64_column_targets) {
  const TemporaryFolder folder;
  const fs::path path = folder.path / "jets.h5";
  {
    TestFile file(path);
    file.doubles("features", {2, 3}, {0.1, 0.2, 0.3, 0.4, 0.5, 0.6});
    file.doubles("targets", {2, 1}, {0.0, 1.0});
  }

  const nn::Dataset data = physics::load_jet_hdf5_dataset(path, 1.0);

  BOOST_TEST(data.size() == 2U);
  BOOST_TEST(data.features() == 3U);
  BOOST_TEST(data.X(1, 2) == 0.6);
  BOOST_TEST(data.y(1, 0) == 1.0);
  BOOST_TEST(data.z(0, 0) == 1.0);
  BOOST_TEST(data.z(1, 0) == 1.0);
  BOOST_TEST(data.weights(0, 0) == 1.0);
}

BOOST_AUTO_TEST_CASE(missing_file) {
  const TemporaryFolder folder;
  const fs::path path = folder.path / "absent.h5";
  check_contains(load_error(path), {"load_jet_hdf5", path.string(), "not found"});
}

BOOST_AUTO_TEST_CASE(non_hdf5_file) {
  const TemporaryFolder folder;
  const fs::path path = folder.path / "text.h5";
  std::ofstream(path) << "features,targets\n1,0\n";
  check_contains(load_error(path), {path.string(), "is not an HDF5 file"});
}

BOOST_AUTO_TEST_CASE(missing_datasets) {
  const TemporaryFolder folder;
  const fs::path no_features = folder.path / "no_features.h5";
  const fs::path no_targets = folder.path / "no_targets.h5";
  {
    TestFile file(no_features);
    file.doubles("targets", {1}, {1.0});
  }
  {
    TestFile file(no_targets);
    file.doubles("features", {1, 6}, six_features);
  }

  check_contains(load_error(no_features), {no_features.string(), "'features' is missing"});
  check_contains(load_error(no_targets), {no_targets.string(), "'targets' is missing"});
}

BOOST_AUTO_TEST_CASE(group_instead_of_dataset) {
  const TemporaryFolder folder;
  const fs::path path = folder.path / "group.h5";
  {
    TestFile file(path);
    file.group("features");
  }
  const std::string message = load_error(path);
  check_contains(message, {path.string(), "'features'", "not a dataset"});
  BOOST_TEST(message.rfind("load_jet_hdf5: '", 0) == 0U, message);
}

// The stored inputs of the HDF5 fuzz target: each valid-* file loads, and
// each invalid-* file throws a message that starts with the function and
// names the path, as every message of the loader does. Other stored inputs are
// skipped.
BOOST_AUTO_TEST_CASE(stored_corpus_inputs) {
  const fs::path corpus = fs::path(__FILE__).parent_path().parent_path() / "fuzz/corpus/hdf5";
  BOOST_TEST_REQUIRE(fs::is_directory(corpus), corpus << " is missing");

  std::vector<fs::path> inputs;
  for (const fs::directory_entry& entry : fs::directory_iterator(corpus)) {
    inputs.push_back(entry.path());
  }
  std::sort(inputs.begin(), inputs.end());

  std::size_t invalid = 0;
  for (const fs::path& input : inputs) {
    const std::string name = input.filename().string();
    BOOST_TEST_CONTEXT(name) {
      if (name.rfind("valid-", 0) == 0) {
        BOOST_CHECK_NO_THROW(physics::load_jet_hdf5(input));
      } else if (name.rfind("invalid-", 0) == 0) {
        ++invalid;
        const std::string message = load_error(input);
        BOOST_TEST_MESSAGE(name << ": " << message);
        BOOST_TEST(message.rfind("load_jet_hdf5: ", 0) == 0U, message);
        BOOST_TEST(message.find("'" + input.string() + "'") != std::string::npos, message);
      }
    }
  }
  BOOST_TEST(invalid == 10U);
}

BOOST_AUTO_TEST_CASE(wrong_ranks) {
  const TemporaryFolder folder;
  const fs::path flat_features = folder.path / "flat_features.h5";
  const fs::path wide_targets = folder.path / "wide_targets.h5";
  {
    TestFile file(flat_features);
    file.doubles("features", {6}, six_features);
    file.doubles("targets", {6}, {0, 1, 0, 1, 0, 1});
  }
  {
    TestFile file(wide_targets);
    file.doubles("features", {3, 2}, six_features);
    file.doubles("targets", {3, 2}, six_features);
  }

  check_contains(load_error(flat_features), {"'features' has rank 1", "[6]", "2D [n, k]"});
  check_contains(load_error(wide_targets), {"'targets' has rank 2", "[3, 2]", "[n] or [n, 1]"});
}

BOOST_AUTO_TEST_CASE(wrong_element_types) {
  const TemporaryFolder folder;
  const fs::path integer_features = folder.path / "integer_features.h5";
  const fs::path string_targets = folder.path / "string_targets.h5";
  {
    TestFile file(integer_features);
    file.dataset("features", H5T_STD_I32LE, H5T_NATIVE_INT, {1, 2}, std::vector<int>{1, 2});
    file.doubles("targets", {1}, {1.0});
  }
  {
    TestFile file(string_targets);
    file.doubles("features", {2, 1}, {1.0, 2.0});
    const hid_t text = H5Tcopy(H5T_C_S1);
    H5Tset_size(text, 2);
    file.dataset("targets", text, text, {2}, std::vector<char>{'a', 'b', 'c', 'd'});
    H5Tclose(text);
  }

  check_contains(load_error(integer_features),
                 {"'features' [1, 2] has integer elements", "floating point"});
  check_contains(load_error(string_targets),
                 {"'targets' [2] has string elements", "integer or floating point"});
}

BOOST_AUTO_TEST_CASE(row_count_mismatch) {
  const TemporaryFolder folder;
  const fs::path path = folder.path / "mismatch.h5";
  {
    TestFile file(path);
    file.doubles("features", {3, 2}, six_features);
    file.doubles("targets", {2}, {0.0, 1.0});
  }
  check_contains(load_error(path), {path.string(), "[3, 2]", "[2]", "row counts differ"});
}

BOOST_AUTO_TEST_CASE(invalid_values) {
  const TemporaryFolder folder;
  const fs::path bad_label = folder.path / "bad_label.h5";
  const fs::path nan_feature = folder.path / "nan_feature.h5";
  {
    TestFile file(bad_label);
    file.doubles("features", {2, 1}, {1.0, 2.0});
    file.doubles("targets", {2}, {1.0, 2.0});
  }
  {
    TestFile file(nan_feature);
    file.doubles("features", {2, 1}, {1.0, std::numeric_limits<double>::quiet_NaN()});
    file.doubles("targets", {2}, {1.0, 0.0});
  }

  check_contains(load_error(bad_label), {"'targets' has the value 2 at row 1", "0 or 1"});
  check_contains(load_error(nan_feature), {"'features' has the value nan at row 1, column 0"});
  BOOST_CHECK_THROW(physics::load_jet_hdf5_dataset(nan_feature, std::nan("")),
                    std::invalid_argument);
}

// A failed load must leave stderr untouched: HDF5 would print its error
// stack there unless the library turns that off.
BOOST_AUTO_TEST_CASE(errors_print_nothing) {
  const TemporaryFolder folder;
  const fs::path text_file = folder.path / "text.h5";
  const fs::path missing_dataset = folder.path / "missing.h5";
  const fs::path captured = folder.path / "stderr.txt";
  std::ofstream(text_file) << "not hdf5";
  {
    TestFile file(missing_dataset);
    file.doubles("targets", {1}, {1.0});
  }

  std::fflush(stderr);
  const int saved = ::dup(STDERR_FILENO);
  const int sink = ::open(captured.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  BOOST_TEST_REQUIRE(saved >= 0);
  BOOST_TEST_REQUIRE(sink >= 0);
  ::dup2(sink, STDERR_FILENO);

  for (const fs::path& path : {text_file, missing_dataset, folder.path / "absent.h5"}) {
    try {
      physics::load_jet_hdf5(path);
    } catch (const std::runtime_error&) {
      // Expected; only the printing matters here.
    }
  }

  std::fflush(stderr);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(sink);
  BOOST_TEST(fs::file_size(captured) == 0U);

  // The library restores HDF5's automatic error handler afterwards.
  H5E_auto2_t handler = nullptr;
  void* data = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &handler, &data);
  BOOST_TEST(handler != nullptr);
}

// A header can claim more values than one array of doubles can address: the
// byte size of [2^60, 1] exceeds PTRDIFF_MAX, and [2^62, 8] overflows
// rows * columns in 64 bits.
BOOST_AUTO_TEST_CASE(dimensions_beyond_one_array) {
  const TemporaryFolder folder;
  const hsize_t two_to_60 = hsize_t{1} << 60;
  const hsize_t two_to_62 = hsize_t{1} << 62;
  const fs::path too_many_rows = folder.path / "too_many_rows.h5";
  const fs::path product_overflows = folder.path / "product_overflows.h5";
  {
    TestFile file(too_many_rows);
    file.chunked_doubles("features", {two_to_60, 1}, {1024, 1});
    file.chunked_doubles("targets", {two_to_60}, {1024});
  }
  {
    TestFile file(product_overflows);
    file.chunked_doubles("features", {two_to_62, 8}, {1024, 8});
    file.chunked_doubles("targets", {two_to_62}, {1024});
  }

  check_contains(load_error(too_many_rows),
                 {too_many_rows.string(), "dataset 'features' has shape [1152921504606846976, 1]",
                  "more values than the maximum of 1152921504606846975 in one array of doubles",
                  "the dimensions are damaged"});
  check_contains(load_error(product_overflows),
                 {"dataset 'features' has shape [4611686018427387904, 8]",
                  "more values than the maximum of 1152921504606846975"});
}

// One row fewer than 2^60 passes the array limit and is then rejected
// because the file stores none of its values.
BOOST_AUTO_TEST_CASE(huge_unwritten_dataset) {
  const TemporaryFolder folder;
  const hsize_t rows = (hsize_t{1} << 60) - 1;
  const fs::path path = folder.path / "unwritten.h5";
  {
    TestFile file(path);
    file.chunked_doubles("features", {rows, 1}, {1024, 1});
    file.chunked_doubles("targets", {rows}, {1024});
  }

  check_contains(
      load_error(path),
      {path.string(), "dataset 'features' has shape [1152921504606846975, 1]",
       "1152921504606846975 elements of 8 bytes",
       "but the file stores at most 0 bytes of data for it", "not every value was written"});
}

// An unfiltered dataset contains at most its stored bytes: here one chunk of
// 10 rows of 2 doubles, 160 bytes, of a dataset of 1000 rows.
BOOST_AUTO_TEST_CASE(partly_written_features) {
  const TemporaryFolder folder;
  const fs::path path = folder.path / "partly_written.h5";
  {
    TestFile file(path);
    file.chunked_doubles("features", {1000, 2}, {10, 2}, std::vector<double>(20, 1.0));
    file.chunked_doubles("targets", {1000}, {1000}, std::vector<double>(1000, 0.0));
  }
  BOOST_TEST_REQUIRE(stored_bytes(path, "features") == 160U);

  check_contains(load_error(path),
                 {"dataset 'features' has shape [1000, 2]", "2000 elements of 8 bytes",
                  "the file stores at most 160 bytes of data for it"});
}

// The targets are checked in the same way as the features.
BOOST_AUTO_TEST_CASE(unwritten_targets) {
  const TemporaryFolder folder;
  const fs::path path = folder.path / "unwritten_targets.h5";
  {
    TestFile file(path);
    file.doubles("features", {3, 2}, six_features);
    file.chunked_doubles("targets", {3}, {3});
  }
  check_contains(load_error(path), {"dataset 'targets' has shape [3]", "3 elements of 8 bytes",
                                    "the file stores at most 0 bytes of data for it"});
}

// Deflate shrinks data at most 1032:1, so a compressed dataset may contain
// up to 1032 times its stored bytes. Zeros, the most compressible values,
// must still load.
BOOST_AUTO_TEST_CASE(compressed_zeros_load) {
  const TemporaryFolder folder;
  const fs::path path = folder.path / "zeros.h5";
  {
    TestFile file(path);
    file.chunked_doubles("features", {4000, 3}, {4000, 3}, std::vector<double>(12000, 0.0),
                         add_deflate);
    file.chunked_doubles("targets", {4000}, {4000}, std::vector<double>(4000, 1.0), add_deflate);
  }
  // The premise of the test: deflate shrinks the 96000 bytes of zeros by more
  // than 100:1, which a bound without the compression ratio would reject.
  BOOST_TEST_REQUIRE(stored_bytes(path, "features") * 100 < 96000U);

  const physics::JetArrays arrays = physics::load_jet_hdf5(path);
  BOOST_TEST(arrays.features.shape(0) == 4000U);
  BOOST_TEST(arrays.features(3999, 2) == 0.0);
  BOOST_TEST(arrays.targets(3999, 0) == 1.0);
}

// A compressed dataset of 2^30 rows of which one chunk is written: its
// stored bytes times 1032 are far below the 2^35 bytes it claims.
BOOST_AUTO_TEST_CASE(compressed_dataset_beyond_ratio) {
  const TemporaryFolder folder;
  const fs::path path = folder.path / "compressed.h5";
  const hsize_t rows = hsize_t{1} << 30;
  {
    TestFile file(path);
    file.chunked_doubles("features", {rows, 4}, {1024, 4}, std::vector<double>(4096, 0.5),
                         add_deflate);
    file.chunked_doubles("targets", {rows}, {1024}, std::vector<double>(1024, 0.0), add_deflate);
  }
  const hsize_t stored = stored_bytes(path, "features");
  BOOST_TEST_REQUIRE(stored > 0U);

  check_contains(
      load_error(path),
      {"dataset 'features' has shape [1073741824, 4]", "4294967296 elements of 8 bytes",
       "the file stores at most " + std::to_string(stored * 1032) + " bytes of data for it"});
}

// With a filter whose shrink factor has no bound, the loader allocates, and
// a failed allocation must become std::runtime_error. The address space
// limit makes the 64 TiB request fail even where the kernel overcommits.
BOOST_AUTO_TEST_CASE(allocation_failure) {
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer reserves terabytes of shadow memory and aborts on
  // oversized requests, so the test cannot run under it.
  BOOST_TEST_MESSAGE("skipped under AddressSanitizer");
#else
  const TemporaryFolder folder;
  const fs::path path = folder.path / "nbit.h5";
  const hsize_t rows = hsize_t{1} << 40;
  {
    TestFile file(path);
    file.chunked_doubles("features", {rows, 8}, {1024, 8}, {}, add_nbit);
    file.chunked_doubles("targets", {rows}, {1024}, {}, add_nbit);
  }

  rlimit saved{};
  BOOST_TEST_REQUIRE(::getrlimit(RLIMIT_AS, &saved) == 0);
  rlimit limited = saved;
  limited.rlim_cur = rlim_t{16} << 30;  // 16 GiB, far below the request
  if (saved.rlim_cur != RLIM_INFINITY && saved.rlim_cur < limited.rlim_cur) {
    limited.rlim_cur = saved.rlim_cur;
  }
  BOOST_TEST_REQUIRE(::setrlimit(RLIMIT_AS, &limited) == 0);
  const std::string message = load_error(path);
  BOOST_TEST_REQUIRE(::setrlimit(RLIMIT_AS, &saved) == 0);

  check_contains(
      message,
      {path.string(), "datasets 'features' [1099511627776, 8] and 'targets' [1099511627776]",
       "need 79164837199872 bytes of memory as doubles", "could not be allocated"});
#endif
}
