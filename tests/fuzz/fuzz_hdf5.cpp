// libFuzzer target for physics::load_jet_hdf5. Every input must either load
// or throw std::runtime_error; anything else is a finding. Only the loader
// is instrumented for coverage, not the HDF5 library it calls, so mutations
// are guided by the loader's branches alone.

#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "experiments/physics/data/hdf5_loader.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path path = fuzz::input_path("h5");
  fuzz::write_input(path, data, size);

  try {
    physics::load_jet_hdf5(path);
  } catch (const std::runtime_error&) {
    return 0;
  }
  return 0;
}
