#pragma once

// Saving and restoring an optimizer's state (velocities, moments, step
// count) as JSON, for checkpoints.

#include <nlohmann/json.hpp>

#include "nn/optimizers/optimizer.hpp"

namespace nn {

// Returns {"type": "sgd", "velocities": [...]} or {"type": "adam",
// "first_moments": [...], "second_moments": [...], "steps": n}, with one
// array per parameter in list order. Throws std::invalid_argument for an
// optimizer type other than Sgd and Adam.
// NOTE: a new optimizer type needs a branch here to be checkpointed.
nlohmann::json optimizer_state_to_json(const Optimizer& optimizer);

// Restores a state written by optimizer_state_to_json into an optimizer of
// the same type over parameters of the same shapes. Throws
// std::invalid_argument naming the mismatch otherwise.
void restore_optimizer_state(Optimizer& optimizer, const nlohmann::json& state);

}  // namespace nn
