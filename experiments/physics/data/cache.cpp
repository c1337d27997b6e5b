#include "experiments/physics/data/cache.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "experiments/physics/data/hdf5_file.hpp"
#include "experiments/physics/data/option_checks.hpp"

namespace physics {
namespace {

// Every field of JetSimulationOptions must appear in jet_cache_key(). A new
// field changes the size, and this check then fails until the key lists it.
static_assert(sizeof(JetSimulationOptions) == 19 * sizeof(double),
              "JetSimulationOptions changed: add the new field to jet_cache_key() and update "
              "the field count here");

// 64-bit FNV-1a (Fowler, Noll, Vo): offset basis 0xcbf29ce484222325, prime
// 0x100000001b3.
std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char character : text) {
    hash ^= static_cast<unsigned char>(character);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

void add_field(std::string& key, const char* name, double value) {
  key += name;
  key += '=';
  key += detail::format_number(value);
  key += '\n';
}

// Reads the cache file, or returns nothing when its key differs from `key`.
std::optional<nn::Dataset> read_cache_file(const std::filesystem::path& path,
                                           const std::string& key, std::size_t samples) {
  const hdf5::ErrorPrintingOff quiet;
  const hdf5::Handle file = hdf5::open_for_reading(path, "load_or_generate_jet_dataset");
  if (hdf5::read_string_attribute(file, "key") != key) {
    return std::nullopt;
  }

  // Reads one dataset that must have exactly `dimensions`.
  const auto read = [&](const std::string& name, const std::vector<hsize_t>& dimensions) {
    const bool present = hdf5::has_link(file, name);
    const hdf5::Handle dataset = present ? hdf5::open_dataset(file, name, path) : hdf5::Handle();
    const hdf5::DatasetShape shape =
        present ? hdf5::shape_of(dataset, name, path) : hdf5::DatasetShape{};
    if (!present || shape.dimensions != dimensions || shape.type_class != H5T_FLOAT) {
      throw std::runtime_error("load_or_generate_jet_dataset: the cache file '" + path.string() +
                               "' has the right key but dataset '" + name + "' is " +
                               (present ? "of shape " + hdf5::format_dimensions(shape.dimensions)
                                        : std::string("missing")) +
                               " instead of float64 " + hdf5::format_dimensions(dimensions));
    }
    std::size_t count = 1;
    for (const hsize_t dimension : dimensions) {
      count *= dimension;
    }
    return hdf5::read_doubles(dataset, count, name, path);
  };

  const std::vector<double> features = read("features", {samples, jet_feature_count});
  const std::vector<double> targets = read("targets", {samples});
  const std::vector<double> pileup = read("pileup", {samples});

  autodiff::Matrix X({samples, jet_feature_count});
  autodiff::Matrix y({samples, std::size_t{1}});
  autodiff::Matrix z({samples, std::size_t{1}});
  std::copy(features.begin(), features.end(), X.begin());
  std::copy(targets.begin(), targets.end(), y.begin());
  std::copy(pileup.begin(), pileup.end(), z.begin());
  return nn::make_dataset(std::move(X), std::move(y), std::move(z));
}

// Flushes a closed file's data to disk, so that after a crash the renamed
// name never points to an incomplete file.
void flush_to_disk(const std::filesystem::path& path) {
  const int descriptor = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  const bool ok = descriptor >= 0 && ::fsync(descriptor) == 0;
  if (descriptor >= 0) {
    ::close(descriptor);
  }
  if (!ok) {
    throw std::runtime_error("load_or_generate_jet_dataset: flushing the cache file '" +
                             path.string() + "' to disk failed; check the disk and the folder");
  }
}

void write_cache_file(const std::filesystem::path& path, const std::string& key,
                      const nn::Dataset& data) {
  const std::filesystem::path temporary =
      path.string() + ".tmp." + std::to_string(static_cast<long>(::getpid()));

  try {
    hdf5::Handle file = hdf5::create_file(temporary);
    hdf5::write_matrix(file, "features", data.X, temporary);
    hdf5::write_column(file, "targets", data.y, temporary);
    hdf5::write_column(file, "pileup", data.z, temporary);
    hdf5::write_string_attribute(file, "key", key, temporary);
    if (!file.close()) {
      throw std::runtime_error("load_or_generate_jet_dataset: closing the cache file '" +
                               temporary.string() + "' failed; check the free disk space");
    }
    flush_to_disk(temporary);
    std::filesystem::rename(temporary, path);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw;
  }
}

}  // namespace

std::string jet_cache_key(const JetSimulationOptions& options, std::size_t samples,
                          std::uint64_t seed) {
  std::string key = "version=" + std::to_string(jet_simulation_version) + "\n";
  key += "samples=" + std::to_string(samples) + "\n";
  key += "seed=" + std::to_string(seed) + "\n";

  const HardProcessOptions& hard = options.hard;
  add_field(key, "hard.min_pt", hard.min_pt);
  add_field(key, "hard.max_pt", hard.max_pt);
  add_field(key, "hard.max_abs_rapidity", hard.max_abs_rapidity);
  add_field(key, "hard.w_mass", hard.w_mass);
  add_field(key, "hard.w_width", hard.w_width);
  add_field(key, "hard.w_mass_window", hard.w_mass_window);
  add_field(key, "hard.gluon_fraction", hard.gluon_fraction);
  add_field(key, "hard.qcd_max_angle", hard.qcd_max_angle);

  add_field(key, "shower.cutoff_kt", options.shower.cutoff_kt);
  add_field(key, "shower.alpha_s_at_mz", options.shower.alpha_s_at_mz);

  const PileupOptions& pileup = options.pileup;
  add_field(key, "pileup.mean_interactions", pileup.mean_interactions);
  add_field(key, "pileup.mean_particles_per_interaction", pileup.mean_particles_per_interaction);
  add_field(key, "pileup.mean_pt", pileup.mean_pt);
  add_field(key, "pileup.max_abs_rapidity", pileup.max_abs_rapidity);

  const ClusteringOptions& clustering = options.clustering;
  add_field(key, "clustering.jet_radius", clustering.jet_radius);
  add_field(key, "clustering.trimming_radius", clustering.trimming_radius);
  add_field(key, "clustering.trimming_pt_fraction", clustering.trimming_pt_fraction);
  add_field(key, "clustering.max_abs_eta", clustering.max_abs_eta);

  add_field(key, "pileup_region_margin", options.pileup_region_margin);
  return key;
}

std::filesystem::path jet_cache_path(const std::filesystem::path& cache_folder,
                                     const JetSimulationOptions& options, std::size_t samples,
                                     std::uint64_t seed) {
  std::array<char, 17> hex{};
  std::snprintf(hex.data(), hex.size(), "%016llx",
                static_cast<unsigned long long>(fnv1a(jet_cache_key(options, samples, seed))));
  return cache_folder / ("jets-" + std::string(hex.data()) + ".h5");
}

CachedJetDataset load_or_generate_jet_dataset(const std::filesystem::path& cache_folder,
                                              const JetSimulationOptions& options,
                                              std::size_t samples, std::uint64_t seed,
                                              const JetProgressCallback& progress) {
  if (samples == 0) {
    throw std::invalid_argument(
        "load_or_generate_jet_dataset: samples is 0; request at least one jet");
  }
  validate(options);

  const std::string key = jet_cache_key(options, samples, seed);
  const std::filesystem::path path = jet_cache_path(cache_folder, options, samples, seed);

  std::error_code exists_error;
  if (std::filesystem::exists(path, exists_error)) {
    std::optional<nn::Dataset> cached;
    try {
      cached = read_cache_file(path, key, samples);
    } catch (const std::runtime_error& error) {
      throw std::runtime_error(std::string(error.what()) +
                               " (this is the cache file for these "
                               "settings; delete it to regenerate the data set)");
    }
    if (cached) {
      return {std::move(*cached), path, true};
    }
  }

  std::error_code folder_error;
  std::filesystem::create_directories(cache_folder, folder_error);
  if (folder_error) {
    throw std::runtime_error("load_or_generate_jet_dataset: cannot create the cache folder '" +
                             cache_folder.string() + "': " + folder_error.message());
  }

  nn::Dataset data = generate_jet_dataset(options, samples, seed, progress);
  write_cache_file(path, key, data);
  return {std::move(data), path, false};
}

}  // namespace physics
