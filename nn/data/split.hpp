#pragma once

// Random training/validation splits of a dataset.
//
// Both functions return {training, validation} as disjoint sets of rows that
// together cover the dataset once. Each part keeps the original row order.

#include <cstddef>
#include <utility>

#include "nn/data/dataset.hpp"
#include "nn/random.hpp"

namespace nn {

// Puts validation_size rows drawn uniformly without replacement into the
// validation part and the rest into the training part. Throws
// std::invalid_argument unless 1 <= validation_size < dataset.size().
std::pair<Dataset, Dataset> split_train_validation(const Dataset& dataset,
                                                   std::size_t validation_size, Rng& rng);

// Splits each stratum (the rows sharing one (y, z) pair) in the proportion
// validation_fraction, so that class and nuisance frequencies match in both
// parts. It is meant for a categorical nuisance. The validation part has
// round(validation_fraction * size) rows. A stratum gets
// floor(validation_fraction * stratum size) of them, and the rows left over
// go one each to the strata with the largest remainders, ties broken at
// random. A continuous z makes every stratum one row, so the result is a
// plain random split. Throws std::invalid_argument unless
// 0 < validation_fraction < 1 and both parts get at least one row.
std::pair<Dataset, Dataset> split_stratified(const Dataset& dataset, double validation_fraction,
                                             Rng& rng);

}  // namespace nn
