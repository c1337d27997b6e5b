#pragma once

// The approximate median significance (AMS) of a cut on the classifier score.
// The systematic uncertainty of the background is the shift between the
// background without and with the nuisance (pileup). This is the figure of
// merit of the jet-tagging experiment of Louppe, Kagan and Cranmer,
// "Learning to Pivot with Adversarial Networks" (arXiv:1611.01046).

#include <cstddef>
#include <span>
#include <vector>

#include "autodiff/matrix.hpp"

namespace pivot {

// The AMS of s expected signal events over b expected background events
// whose normalization has the absolute uncertainty sigma_b:
//   b0  = (b - sigma_b^2 + sqrt((b - sigma_b^2)^2 + 4 (s + b) sigma_b^2)) / 2,
//   AMS = sqrt(2 ((s + b) ln((s + b) / b0) - s - b + b0) + (b - b0)^2 / sigma_b^2),
// and, as sigma_b -> 0, its limit sqrt(2 ((s + b) ln(1 + s / b) - s)). The
// limit is used for sigma_b = 0 and wherever it agrees with the general
// formula to half a unit in the last place; ams.cpp explains the switch and
// the rearranged form that keeps the relative error near 3e-15.
// Edge cases, none of which gives NaN:
// - s = 0 gives 0 for every b and sigma_b (then b0 = b and every term is 0);
// - b = 0 with sigma_b > 0 gives the finite value of the general formula;
// - b = 0 with sigma_b = 0 and s > 0 gives +infinity, the limit of
//   s events over a background known to be empty.
// Throws std::invalid_argument naming the argument if s, b or sigma_b is
// negative, infinite or NaN.
double ams(double s, double b, double sigma_b);

// AMS as a function of the cut threshold.
struct AmsCurve {
  std::vector<double> thresholds;  // c_k = k / (count - 1), k = 0, ..., count - 1
  std::vector<double> ams;         // AMS of the cut score > c_k; may be +infinity
  // Expected events passing each cut, from which the AMS is computed:
  // signal and background without pileup, background with pileup.
  std::vector<double> s;
  std::vector<double> b;
  std::vector<double> b1;
};

// The largest threshold count of ams_curve: the five vectors of the curve
// then take 5 * 8 * 10^6 bytes, about 40 MB.
inline constexpr std::size_t max_ams_thresholds = 1'000'000;

// Computes the AMS of the cuts "score > c" (strictly greater) for
// `threshold_count` thresholds c evenly spaced on [0, 1], both ends included:
//   s  = signal_total     * W(y = 1, z = 0, score > c) / W(y = 1, z = 0),
//   b  = background_total * W(y = 0, z = 0, score > c) / W(y = 0, z = 0),
//   b1 = background_total * W(y = 0, z = 1, score > c) / W(y = 0, z = 1),
//   sigma_b = |b - b1|,   AMS = ams(s, b, sigma_b),
// where W sums the sample weights (all 1 when `weights` is empty) of the
// samples that satisfy the conditions. Signal with z = 1 does not enter.
// At c = 0 every score except an exact 0 passes, and at c = 1 none does, so
// the curve ends at 0. A threshold where s > 0 but neither background sample passes
// gives +infinity, which happens at high thresholds of a small test set.
// Throws std::invalid_argument naming the value when
// - the spans differ in size (weights may be empty);
// - a score is outside [0, 1] or NaN (pass probabilities, not logits);
// - a label or nuisance is not 0 or 1, or a weight is negative or not finite;
// - one of the three groups above has total weight 0;
// - a total is not positive and finite, or threshold_count is below 2 or
//   above max_ams_thresholds.
AmsCurve ams_curve(std::span<const autodiff::Scalar> scores,
                   std::span<const autodiff::Scalar> labels,
                   std::span<const autodiff::Scalar> nuisances,
                   std::span<const autodiff::Scalar> weights = {}, double signal_total = 100.0,
                   double background_total = 1000.0, std::size_t threshold_count = 100);

// The maximum of an AMS curve and the threshold where it is reached.
struct AmsPeak {
  double threshold = 0.0;
  double ams = 0.0;
  std::size_t index = 0;  // position of the peak in the curve's vectors
};

// Returns the largest finite AMS of `curve` and its threshold, the lowest one
// on ties. Infinite values are skipped: they mark thresholds with no
// background left in the sample, not a property of the classifier. Throws
// std::invalid_argument if the vectors differ in size or no AMS is finite.
AmsPeak peak(const AmsCurve& curve);

}  // namespace pivot
