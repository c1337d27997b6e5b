#include "nn/data/split.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "autodiff/matrix.hpp"
#include "nn/data/batches.hpp"

namespace nn {
namespace {

using autodiff::format_number;

// Says which validation sizes leave both parts of a dataset of `size` rows non-empty.
std::string valid_validation_sizes(std::size_t size) {
  if (size < 2) {
    return "a dataset needs at least 2 rows to be split";
  }
  return "pass a value that gives from 1 to " + std::to_string(size - 1) + " validation rows";
}

// Builds {training, validation} from the validation rows; every other row
// goes to training. Both parts are gathered in increasing row order.
std::pair<Dataset, Dataset> split_by_rows(const Dataset& dataset,
                                          std::vector<std::size_t> validation_rows) {
  std::sort(validation_rows.begin(), validation_rows.end());

  std::vector<std::size_t> training_rows;
  training_rows.reserve(dataset.size() - validation_rows.size());
  auto next_validation = validation_rows.begin();
  for (std::size_t row = 0; row < dataset.size(); ++row) {
    if (next_validation != validation_rows.end() && *next_validation == row) {
      ++next_validation;
    } else {
      training_rows.push_back(row);
    }
  }

  return {dataset.rows(training_rows), dataset.rows(validation_rows)};
}

struct Stratum {
  std::vector<std::size_t> rows;
  std::size_t validation_count = 0;
  double remainder = 0.0;  // fractional part of validation_fraction * rows
};

// Groups the rows by their (y, z) pair. The map orders strata by value, so
// the random draws that follow happen in a fixed order.
std::vector<Stratum> group_by_label_and_nuisance(const Dataset& dataset) {
  std::map<std::pair<double, double>, std::vector<std::size_t>> groups;
  for (std::size_t row = 0; row < dataset.size(); ++row) {
    groups[{dataset.y(row, 0), dataset.z(row, 0)}].push_back(row);
  }

  std::vector<Stratum> strata;
  strata.reserve(groups.size());
  for (auto& entry : groups) {
    Stratum stratum;
    stratum.rows = std::move(entry.second);
    strata.push_back(std::move(stratum));
  }
  return strata;
}

// Sets each stratum's validation_count so that they sum to validation_size:
// the floor of its quota, plus one for the strata with the largest remainders.
void allocate_validation_rows(std::vector<Stratum>& strata, double validation_fraction,
                              std::size_t validation_size, Rng& rng) {
  std::size_t allocated = 0;
  for (Stratum& stratum : strata) {
    const double quota = validation_fraction * static_cast<double>(stratum.rows.size());
    stratum.validation_count =
        std::min(static_cast<std::size_t>(std::floor(quota)), stratum.rows.size());
    stratum.remainder = quota - std::floor(quota);
    allocated += stratum.validation_count;
  }

  // A random order before the stable sort breaks ties between equal
  // remainders at random instead of by (y, z) value.
  std::vector<Stratum*> by_remainder;
  by_remainder.reserve(strata.size());
  for (Stratum& stratum : strata) {
    by_remainder.push_back(&stratum);
  }
  std::shuffle(by_remainder.begin(), by_remainder.end(), rng.engine());
  std::stable_sort(by_remainder.begin(), by_remainder.end(),
                   [](const Stratum* a, const Stratum* b) { return a->remainder > b->remainder; });

  for (Stratum* stratum : by_remainder) {
    if (allocated >= validation_size) {
      break;
    }
    if (stratum->validation_count < stratum->rows.size()) {
      ++stratum->validation_count;
      ++allocated;
    }
  }
}

}  // namespace

std::pair<Dataset, Dataset> split_train_validation(const Dataset& dataset,
                                                   std::size_t validation_size, Rng& rng) {
  if (validation_size == 0 || validation_size >= dataset.size()) {
    throw std::invalid_argument(
        "split_train_validation: validation_size " + std::to_string(validation_size) +
        " leaves a part empty for a dataset of " + std::to_string(dataset.size()) + " rows; " +
        valid_validation_sizes(dataset.size()));
  }

  std::vector<std::size_t> permutation = random_permutation(dataset.size(), rng);
  permutation.resize(validation_size);
  return split_by_rows(dataset, std::move(permutation));
}

std::pair<Dataset, Dataset> split_stratified(const Dataset& dataset, double validation_fraction,
                                             Rng& rng) {
  if (!(validation_fraction > 0.0 && validation_fraction < 1.0)) {
    throw std::invalid_argument("split_stratified: validation_fraction is " +
                                format_number(validation_fraction) +
                                "; pass a fraction strictly between 0 and 1");
  }

  const auto validation_size = static_cast<std::size_t>(
      std::llround(validation_fraction * static_cast<double>(dataset.size())));
  if (validation_size == 0 || validation_size >= dataset.size()) {
    throw std::invalid_argument(
        "split_stratified: validation_fraction " + format_number(validation_fraction) + " of " +
        std::to_string(dataset.size()) + " rows gives " + std::to_string(validation_size) +
        " validation rows, which leaves a part empty; " + valid_validation_sizes(dataset.size()));
  }

  std::vector<Stratum> strata = group_by_label_and_nuisance(dataset);
  allocate_validation_rows(strata, validation_fraction, validation_size, rng);

  std::vector<std::size_t> validation_rows;
  validation_rows.reserve(validation_size);
  for (Stratum& stratum : strata) {
    std::shuffle(stratum.rows.begin(), stratum.rows.end(), rng.engine());
    validation_rows.insert(
        validation_rows.end(), stratum.rows.begin(),
        stratum.rows.begin() + static_cast<std::ptrdiff_t>(stratum.validation_count));
  }

  return split_by_rows(dataset, std::move(validation_rows));
}

}  // namespace nn
