#include "experiments/physics/data/fastjet_output.hpp"

#include <mutex>

#include <fastjet/ClusterSequence.hh>
#include <fastjet/Error.hh>
#include <fastjet/LimitedWarning.hh>

namespace physics {

void silence_fastjet_output() {
  static std::once_flag once;
  std::call_once(once, [] {
    fastjet::ClusterSequence::set_fastjet_banner_stream(nullptr);
    fastjet::Error::set_print_errors(false);
    fastjet::LimitedWarning::set_default_stream(nullptr);
  });
}

}  // namespace physics
