#pragma once

// Metrics of classification quality and of independence from the nuisance:
// the two-sample Kolmogorov-Smirnov distance between score distributions,
// the ROC AUC, and normalized histograms of scores.
//
// Every function takes values as spans, so a column [n, 1] of a Matrix can be
// passed through column_span(). Weights, where accepted, are non-negative
// per-sample weights with a positive sum.

#include <cstddef>
#include <span>
#include <vector>

#include "autodiff/matrix.hpp"

namespace pivot {

// Views the values of a column [n, 1] as a span without copying, valid while
// `column` lives and is not resized. Throws std::invalid_argument (through
// autodiff::shape_error) if `column` has more or fewer than one column.
std::span<const autodiff::Scalar> column_span(const autodiff::Matrix& column);

// Two-sample Kolmogorov-Smirnov statistic D = sup_x |F_a(x) - F_b(x)|, with
// F_a and F_b the empirical CDFs F(x) = (number of values <= x) / size. Both
// CDFs are compared after every value equal to x has been counted, so ties
// within or across the samples are handled exactly: identical samples give 0
// and samples whose values do not overlap give 1. O((|a| + |b|) log(|a| + |b|)).
// Throws std::invalid_argument if a sample is empty or contains NaN.
double ks_distance(std::span<const autodiff::Scalar> a, std::span<const autodiff::Scalar> b);

// The same statistic with weighted empirical CDFs,
// F(x) = (sum of the weights of values <= x) / (sum of all weights).
// Throws std::invalid_argument as ks_distance does, if a weight span's size
// differs from its sample's, or if a weight is negative or not finite or a
// sample's weights sum to 0.
double weighted_ks_distance(std::span<const autodiff::Scalar> a,
                            std::span<const autodiff::Scalar> a_weights,
                            std::span<const autodiff::Scalar> b,
                            std::span<const autodiff::Scalar> b_weights);

// Area under the ROC curve of `scores` for the binary `labels` (each 0 or 1),
// the probability that a random positive scores higher than a random negative:
//   AUC = sum_{i positive, j negative} w_i w_j ([s_i > s_j] + 0.5 [s_i = s_j])
//         / (W_positive W_negative),
// with w the sample weights (all 1 when `weights` is empty) and W the sums of
// weights per class. Ties therefore count half. O(n log n) by sorting.
// Throws std::invalid_argument if the sizes differ, a label is not 0 or 1, a
// score is NaN, a weight is negative or not finite, or a class is absent or
// has total weight 0.
double roc_auc(std::span<const autodiff::Scalar> scores, std::span<const autodiff::Scalar> labels,
               std::span<const autodiff::Scalar> weights = {});

// A histogram normalized as a probability density: `edges` has bins + 1
// increasing values, and density[k] is the fraction of the total weight in
// bin k, [edges[k], edges[k + 1]), divided by the bin width. The last bin
// also contains `high`.
struct Histogram {
  std::vector<double> edges;
  std::vector<double> density;
};

// The largest bin count of histogram_density: its edges, densities and bin
// weights then take 3 * 8 * 10^6 bytes, about 24 MB.
inline constexpr std::size_t max_histogram_bins = 1'000'000;

// Builds `bins` equal-width bins on [low, high] from `values`, weighted by
// `weights` (all 1 when empty), so that sum_k density[k] * width = 1. Values
// below `low` are counted in the first bin and values above `high` in the
// last, so every value contributes and the density integrates to 1 over
// [low, high]. Throws std::invalid_argument if `values` is empty, bins is 0
// or above max_histogram_bins, low and high are not finite with low < high,
// a value is NaN, or the weights do not match the values in size or are
// negative, not finite or sum to 0.
Histogram histogram_density(std::span<const autodiff::Scalar> values, std::size_t bins, double low,
                            double high, std::span<const autodiff::Scalar> weights = {});

}  // namespace pivot
