// libFuzzer target for nn::read_npy. Every input must either load or throw
// std::runtime_error; anything else (a crash, a sanitizer report, another
// exception type, an allocation beyond -rss_limit_mb) is a finding.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "fuzz_input.hpp"
#include "nn/data/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path path = fuzz::input_path("npy");
  fuzz::write_input(path, data, size);

  autodiff::Matrix values;
  try {
    values = nn::read_npy(path);
  } catch (const std::runtime_error&) {
    return 0;
  }

  // Every loaded element came from the file, 1 to 8 bytes each.
  if (values.size() > size) {
    std::fprintf(stderr, "fuzz_npy: %zu elements loaded from %zu bytes\n", values.size(), size);
    std::abort();
  }
  return 0;
}
