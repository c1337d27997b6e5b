#pragma once

// Checkpoints of a training run: everything needed to continue it so that
// the resumed run is bit-identical to one that never stopped.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "autodiff/parameter.hpp"
#include "nn/optimizers/optimizer.hpp"
#include "nn/random.hpp"
#include "pivot/trainer.hpp"

namespace pivot {

// The position of a run: the phase, the units of it already finished, the
// validation history so far, and whatever else the program needs (its
// configuration, say) in `extra`.
struct RunPosition {
  std::string phase;
  std::size_t completed = 0;
  std::vector<IterationRecord> history;
  nlohmann::json extra = nlohmann::json::object();
};

// The live objects a checkpoint saves and restores, by name: parameter lists
// ("classifier", "adversary", ...), optimizers and the random generator.
struct TrainingObjects {
  std::map<std::string, autodiff::ParameterList> parameters;
  std::map<std::string, nn::Optimizer*> optimizers;
  nn::Rng* rng = nullptr;
};

// Writes one JSON file atomically (temporary file, fsync, rename), so a
// kill at any moment leaves either the previous checkpoint or the new one.
// Doubles are written in shortest round-trip form, so a restore is exact.
void save_checkpoint(const std::filesystem::path& file, const RunPosition& position,
                     const TrainingObjects& objects);

// Restores `objects` from `file` and returns the run position. Throws
// std::runtime_error naming the file when it is missing, malformed, or does
// not match the objects (a name, a count or a shape differs).
RunPosition load_checkpoint(const std::filesystem::path& file, const TrainingObjects& objects);

}  // namespace pivot
