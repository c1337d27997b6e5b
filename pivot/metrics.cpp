#include "pivot/metrics.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

#include "autodiff/matrix.hpp"

namespace pivot {
namespace {

// A sample value and its weight.
using WeightedValue = std::pair<double, double>;

using autodiff::format_number;

void check_not_empty(const char* function, const char* name,
                     std::span<const autodiff::Scalar> values) {
  if (values.empty()) {
    throw std::invalid_argument(std::string(function) + ": " + name +
                                " is empty; pass at least one value");
  }
}

// NaN breaks the strict weak ordering that std::sort requires, so sorting it
// is undefined behaviour.
void check_no_nan(const char* function, const char* name,
                  std::span<const autodiff::Scalar> values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (std::isnan(values[i])) {
      throw std::invalid_argument(std::string(function) + ": " + name + "[" + std::to_string(i) +
                                  "] is NaN; remove or replace NaN values first");
    }
  }
}

void check_same_size(const char* function, const char* first_name, std::size_t first_size,
                     const char* second_name, std::size_t second_size) {
  if (first_size != second_size) {
    throw std::invalid_argument(std::string(function) + ": " + first_name + " and " + second_name +
                                " must have the same size, got " + std::to_string(first_size) +
                                " and " + std::to_string(second_size));
  }
}

// Checks that weights are finite and non-negative and returns their sum.
double checked_weight_sum(const char* function, const char* name,
                          std::span<const autodiff::Scalar> weights) {
  double total = 0.0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (!std::isfinite(weights[i]) || weights[i] < 0.0) {
      throw std::invalid_argument(std::string(function) + ": " + name + "[" + std::to_string(i) +
                                  "] is " + format_number(weights[i]) +
                                  "; weights must be finite and non-negative");
    }
    total += weights[i];
  }
  return total;
}

// Pairs each value with its weight (1 when `weights` is empty) and sorts by value.
std::vector<WeightedValue> sorted_weighted_values(std::span<const autodiff::Scalar> values,
                                                  std::span<const autodiff::Scalar> weights) {
  std::vector<WeightedValue> sorted;
  sorted.reserve(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    sorted.emplace_back(values[i], weights.empty() ? 1.0 : weights[i]);
  }
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

// sup |F_a - F_b| for sorted samples with totals a_total and b_total. The
// walk visits each distinct value once and compares the CDFs only after every
// copy of it in both samples has been added.
double ks_from_sorted(const std::vector<WeightedValue>& a, double a_total,
                      const std::vector<WeightedValue>& b, double b_total) {
  std::size_t i = 0;
  std::size_t j = 0;
  double a_cumulative = 0.0;
  double b_cumulative = 0.0;
  double distance = 0.0;

  while (i < a.size() || j < b.size()) {
    const bool next_from_a = j == b.size() || (i < a.size() && a[i].first <= b[j].first);
    const double value = next_from_a ? a[i].first : b[j].first;

    for (; i < a.size() && a[i].first == value; ++i) {
      a_cumulative += a[i].second;
    }
    for (; j < b.size() && b[j].first == value; ++j) {
      b_cumulative += b[j].second;
    }

    distance = std::max(distance, std::abs(a_cumulative / a_total - b_cumulative / b_total));
  }
  return distance;
}

}  // namespace

std::span<const autodiff::Scalar> column_span(const autodiff::Matrix& column) {
  if (column.shape(1) != 1) {
    throw autodiff::shape_error("column_span", "expected a column [n, 1]",
                                autodiff::shape_of(column));
  }
  return {column.data(), column.size()};
}

double ks_distance(std::span<const autodiff::Scalar> a, std::span<const autodiff::Scalar> b) {
  check_not_empty("ks_distance", "a", a);
  check_not_empty("ks_distance", "b", b);
  check_no_nan("ks_distance", "a", a);
  check_no_nan("ks_distance", "b", b);

  return ks_from_sorted(sorted_weighted_values(a, {}), static_cast<double>(a.size()),
                        sorted_weighted_values(b, {}), static_cast<double>(b.size()));
}

double weighted_ks_distance(std::span<const autodiff::Scalar> a,
                            std::span<const autodiff::Scalar> a_weights,
                            std::span<const autodiff::Scalar> b,
                            std::span<const autodiff::Scalar> b_weights) {
  const char* function = "weighted_ks_distance";
  check_not_empty(function, "a", a);
  check_not_empty(function, "b", b);
  check_same_size(function, "a", a.size(), "a_weights", a_weights.size());
  check_same_size(function, "b", b.size(), "b_weights", b_weights.size());
  check_no_nan(function, "a", a);
  check_no_nan(function, "b", b);

  const double a_total = checked_weight_sum(function, "a_weights", a_weights);
  const double b_total = checked_weight_sum(function, "b_weights", b_weights);
  if (a_total <= 0.0 || b_total <= 0.0) {
    throw std::invalid_argument(std::string(function) + ": the weights of " +
                                (a_total <= 0.0 ? "a" : "b") +
                                " sum to 0, so its CDF is undefined; give at least one value "
                                "a positive weight");
  }

  return ks_from_sorted(sorted_weighted_values(a, a_weights), a_total,
                        sorted_weighted_values(b, b_weights), b_total);
}

double roc_auc(std::span<const autodiff::Scalar> scores, std::span<const autodiff::Scalar> labels,
               std::span<const autodiff::Scalar> weights) {
  check_same_size("roc_auc", "scores", scores.size(), "labels", labels.size());
  if (!weights.empty()) {
    check_same_size("roc_auc", "scores", scores.size(), "weights", weights.size());
  }
  check_no_nan("roc_auc", "scores", scores);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] != 0.0 && labels[i] != 1.0) {
      throw std::invalid_argument("roc_auc: labels[" + std::to_string(i) + "] is " +
                                  format_number(labels[i]) + "; labels must be 0 or 1");
    }
  }
  checked_weight_sum("roc_auc", "weights", weights);

  // Score, label and weight of each sample, sorted by score.
  struct Sample {
    double score;
    bool positive;
    double weight;
  };
  std::vector<Sample> samples;
  samples.reserve(scores.size());
  for (std::size_t i = 0; i < scores.size(); ++i) {
    samples.push_back({scores[i], labels[i] == 1.0, weights.empty() ? 1.0 : weights[i]});
  }
  std::sort(samples.begin(), samples.end(),
            [](const Sample& left, const Sample& right) { return left.score < right.score; });

  // For each group of equal scores, its positives beat the negative weight
  // below the group and tie with the negatives inside it.
  double negative_below = 0.0;
  double positive_total = 0.0;
  double area = 0.0;
  for (std::size_t start = 0; start < samples.size();) {
    double group_positive = 0.0;
    double group_negative = 0.0;
    std::size_t stop = start;
    for (; stop < samples.size() && samples[stop].score == samples[start].score; ++stop) {
      if (samples[stop].positive) {
        group_positive += samples[stop].weight;
      } else {
        group_negative += samples[stop].weight;
      }
    }

    area += group_positive * (negative_below + 0.5 * group_negative);
    negative_below += group_negative;
    positive_total += group_positive;
    start = stop;
  }

  if (positive_total <= 0.0 || negative_below <= 0.0) {
    throw std::invalid_argument("roc_auc: total weight of positives (label 1) is " +
                                format_number(positive_total) + " and of negatives (label 0) is " +
                                format_number(negative_below) +
                                "; the AUC needs samples of both classes with positive weight");
  }
  return area / (positive_total * negative_below);
}

Histogram histogram_density(std::span<const autodiff::Scalar> values, std::size_t bins, double low,
                            double high, std::span<const autodiff::Scalar> weights) {
  const char* function = "histogram_density";
  check_not_empty(function, "values", values);
  if (bins == 0) {
    throw std::invalid_argument("histogram_density: bins is 0; pass at least 1 bin");
  }
  if (bins > max_histogram_bins) {
    throw std::invalid_argument("histogram_density: bins is " + std::to_string(bins) +
                                ", more than the maximum of " +
                                std::to_string(max_histogram_bins) + "; pass fewer bins");
  }
  if (!std::isfinite(low) || !std::isfinite(high) || !(low < high)) {
    throw std::invalid_argument("histogram_density: the range [" + format_number(low) + ", " +
                                format_number(high) +
                                "] is invalid; pass finite bounds with low < high");
  }
  if (!weights.empty()) {
    check_same_size(function, "values", values.size(), "weights", weights.size());
  }
  check_no_nan(function, "values", values);
  const double total = weights.empty() ? static_cast<double>(values.size())
                                       : checked_weight_sum(function, "weights", weights);
  if (total <= 0.0) {
    throw std::invalid_argument(
        "histogram_density: the weights sum to 0; give at least one value a positive weight");
  }

  Histogram histogram;
  const double width = (high - low) / static_cast<double>(bins);
  histogram.edges.resize(bins + 1);
  for (std::size_t k = 0; k < bins; ++k) {
    histogram.edges[k] = low + static_cast<double>(k) * width;
  }
  histogram.edges[bins] = high;

  std::vector<double> bin_weight(bins, 0.0);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double value = values[i];
    std::size_t bin = 0;
    if (value >= high) {
      bin = bins - 1;
    } else if (value > low) {
      bin = std::min(static_cast<std::size_t>((value - low) / width), bins - 1);
      // The division can round across an edge, so settle the bin against
      // the stored edges.
      if (value < histogram.edges[bin]) {
        --bin;
      } else if (bin + 1 < bins && value >= histogram.edges[bin + 1]) {
        ++bin;
      }
    }
    bin_weight[bin] += weights.empty() ? 1.0 : weights[i];
  }

  histogram.density.resize(bins);
  for (std::size_t k = 0; k < bins; ++k) {
    histogram.density[k] = bin_weight[k] / (total * width);
  }
  return histogram;
}

}  // namespace pivot
