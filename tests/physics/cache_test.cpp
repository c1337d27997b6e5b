#define BOOST_TEST_MODULE physics_cache
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>

#include <hdf5.h>
#include <unistd.h>

#include "experiments/physics/data/cache.hpp"
#include "experiments/physics/data/hdf5_loader.hpp"

namespace fs = std::filesystem;

namespace {

// A fresh folder under the system's temporary directory, removed afterwards.
struct TemporaryFolder {
  TemporaryFolder() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("physics_cache_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  }
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;
  ~TemporaryFolder() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }

  fs::path path;
};

// Fast settings: 5 pileup interactions on average instead of 50.
physics::JetSimulationOptions small_options() {
  physics::JetSimulationOptions options;
  options.pileup.mean_interactions = 5.0;
  return options;
}

std::size_t files_in(const fs::path& folder) {
  std::size_t count = 0;
  for (const auto& entry : fs::directory_iterator(folder)) {
    count += entry.is_regular_file() ? 1 : 0;
  }
  return count;
}

bool same_data(const nn::Dataset& a, const nn::Dataset& b) {
  return a.X == b.X && a.y == b.y && a.z == b.z;
}

}  // namespace

BOOST_AUTO_TEST_CASE(second_call_loads_file) {
  const TemporaryFolder folder;
  const physics::JetSimulationOptions options = small_options();

  const physics::CachedJetDataset first =
      physics::load_or_generate_jet_dataset(folder.path, options, 8, 17);
  const physics::CachedJetDataset second =
      physics::load_or_generate_jet_dataset(folder.path, options, 8, 17);

  BOOST_TEST(!first.loaded_from_cache);
  BOOST_TEST(second.loaded_from_cache);
  BOOST_TEST(first.file == second.file);
  BOOST_TEST(first.file == physics::jet_cache_path(folder.path, options, 8, 17));
  BOOST_TEST(same_data(first.data, second.data));
  BOOST_TEST(same_data(first.data, physics::generate_jet_dataset(options, 8, 17)));
  // Only the final file remains: the temporary file was renamed.
  BOOST_TEST(files_in(folder.path) == 1U);
}

BOOST_AUTO_TEST_CASE(cache_file_readable_by_loader) {
  const TemporaryFolder folder;
  const physics::CachedJetDataset cached =
      physics::load_or_generate_jet_dataset(folder.path, small_options(), 4, 3);

  const physics::JetArrays arrays = physics::load_jet_hdf5(cached.file);

  BOOST_TEST(arrays.features.shape(1) == physics::jet_feature_count);
  const bool same_features = arrays.features == cached.data.X;
  const bool same_targets = arrays.targets == cached.data.y;
  BOOST_TEST(same_features);
  BOOST_TEST(same_targets);
}

BOOST_AUTO_TEST_CASE(key_lists_every_setting) {
  physics::JetSimulationOptions options;
  options.pileup.mean_pt = 0.75;
  const std::string key = physics::jet_cache_key(options, 100, 9);

  for (const std::string_view part :
       {"version=1\n", "samples=100\n", "seed=9\n", "hard.min_pt=250\n", "hard.w_width=2.085\n",
        "shower.cutoff_kt=0.5\n", "pileup.mean_pt=0.75\n", "clustering.trimming_radius=0.2\n",
        "pileup_region_margin=0.5\n"}) {
    BOOST_TEST(key.find(part) != std::string::npos, "key lacks " << part);
  }
}

BOOST_AUTO_TEST_CASE(different_settings_different_files) {
  const fs::path folder = "/cache";
  physics::JetSimulationOptions changed;
  changed.clustering.trimming_pt_fraction = 0.03;

  const fs::path base = physics::jet_cache_path(folder, {}, 100, 1);
  BOOST_TEST(base != physics::jet_cache_path(folder, {}, 100, 2));
  BOOST_TEST(base != physics::jet_cache_path(folder, {}, 101, 1));
  BOOST_TEST(base != physics::jet_cache_path(folder, changed, 100, 1));
  BOOST_TEST(base.parent_path() == folder);
  BOOST_TEST(base.extension() == ".h5");
}

// A file at the cache path whose key differs (a hash collision, or a file
// from elsewhere) is regenerated, not loaded.
BOOST_AUTO_TEST_CASE(foreign_key_regenerates) {
  const TemporaryFolder folder;
  const physics::JetSimulationOptions options = small_options();
  const physics::CachedJetDataset original =
      physics::load_or_generate_jet_dataset(folder.path, options, 4, 5);
  {
    // Overwrite the key attribute with other text of the same length.
    const hid_t file = H5Fopen(original.file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    BOOST_TEST_REQUIRE(file >= 0);
    const hid_t attribute = H5Aopen(file, "key", H5P_DEFAULT);
    const hid_t type = H5Aget_type(attribute);
    const std::string foreign(H5Tget_size(type), 'x');
    H5Awrite(attribute, type, foreign.data());
    H5Tclose(type);
    H5Aclose(attribute);
    H5Fclose(file);
  }

  const physics::CachedJetDataset regenerated =
      physics::load_or_generate_jet_dataset(folder.path, options, 4, 5);
  const physics::CachedJetDataset reloaded =
      physics::load_or_generate_jet_dataset(folder.path, options, 4, 5);

  BOOST_TEST(!regenerated.loaded_from_cache);
  BOOST_TEST(reloaded.loaded_from_cache);
  BOOST_TEST(same_data(regenerated.data, original.data));
}

BOOST_AUTO_TEST_CASE(damaged_file_throws) {
  const TemporaryFolder folder;
  const physics::JetSimulationOptions options = small_options();
  const fs::path path = physics::jet_cache_path(folder.path, options, 4, 5);
  fs::create_directories(folder.path);
  std::ofstream(path) << "truncated";

  try {
    physics::load_or_generate_jet_dataset(folder.path, options, 4, 5);
    BOOST_ERROR("expected std::runtime_error");
  } catch (const std::runtime_error& error) {
    const std::string message = error.what();
    BOOST_TEST(message.find(path.string()) != std::string::npos);
    BOOST_TEST(message.find("delete it") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(invalid_requests_throw) {
  const TemporaryFolder folder;
  physics::JetSimulationOptions invalid;
  invalid.hard.min_pt = -1.0;

  BOOST_CHECK_THROW(physics::load_or_generate_jet_dataset(folder.path, {}, 0, 1),
                    std::invalid_argument);
  BOOST_CHECK_THROW(physics::load_or_generate_jet_dataset(folder.path, invalid, 4, 1),
                    std::invalid_argument);
  // Nothing was generated, so no folder was made.
  BOOST_TEST(!fs::exists(folder.path));
}
