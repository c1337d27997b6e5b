#include "pivot/ams.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include "autodiff/matrix.hpp"

namespace pivot {
namespace {

using autodiff::format_number;

void check_count(const char* name, double value) {
  if (!(value >= 0.0 && std::isfinite(value))) {  // also rejects NaN
    throw std::invalid_argument(std::string("ams: ") + name + " is " + format_number(value) +
                                "; event counts must be finite and non-negative");
  }
}

// g(q) = ln(1 + q) - q / (1 + q), which is >= 0 for q >= 0.
// The two terms agree to first order in q, so their difference, about q^2 / 2,
// loses about 2^-52 / q of relative precision. Below q = 0.05 the series
//   g(q) = sum_{k >= 2} (-1)^k (k - 1) / k q^k
// is used instead: cut after k = 16, its relative truncation error is below
// 2 * 0.05^15 ~ 6e-20, and the direct form at q >= 0.05 loses at most
// 2^-52 / 0.05 ~ 4.4e-15.
double log_excess(double q) {
  if (q < 0.05) {
    double sum = 0.0;
    for (int k = 16; k >= 2; --k) {  // Horner's scheme
      const double coefficient = (k % 2 == 0 ? 1.0 : -1.0) * (k - 1.0) / k;
      sum = sum * q + coefficient;
    }
    return sum * q * q;
  }
  // q / (1 + q) written as 1 / (1 + 1 / q) stays finite for q = +infinity.
  return std::log1p(q) - 1.0 / (1.0 + 1.0 / q);
}

// Throws unless every value is 0 or 1.
void check_binary(const char* name, std::span<const autodiff::Scalar> values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] != 0.0 && values[i] != 1.0) {
      throw std::invalid_argument(std::string("ams_curve: ") + name + "[" + std::to_string(i) +
                                  "] is " + format_number(values[i]) + "; it must be 0 or 1");
    }
  }
}

// The scores of one group of samples, sorted, with the total weight of the
// samples from each position to the end.
struct SortedGroup {
  std::vector<double> scores;
  std::vector<double> weight_from;  // weight_from[i] = sum of weights of scores[i..], size n + 1

  // Fraction of the group's weight with score > threshold. It is exactly 0
  // when no score passes, because weight_from ends with a literal 0.
  double fraction_above(double threshold) const {
    const auto first_above = std::upper_bound(scores.begin(), scores.end(), threshold);
    return weight_from[static_cast<std::size_t>(first_above - scores.begin())] / weight_from[0];
  }
};

SortedGroup sorted_group(std::vector<std::pair<double, double>> samples, const char* name) {
  std::sort(samples.begin(), samples.end());

  SortedGroup group;
  group.scores.reserve(samples.size());
  group.weight_from.assign(samples.size() + 1, 0.0);
  for (const auto& [score, weight] : samples) {
    group.scores.push_back(score);
  }
  for (std::size_t i = samples.size(); i-- > 0;) {
    group.weight_from[i] = group.weight_from[i + 1] + samples[i].second;
  }

  if (!(group.weight_from[0] > 0.0)) {
    throw std::invalid_argument(std::string("ams_curve: the ") + name +
                                " has total weight 0; the AMS needs signal with z = 0 and "
                                "background with z = 0 and with z = 1");
  }
  return group;
}

// Evaluation of the general formula.
//
// Written as in the definition, the formula is 0 / 0 at sigma_b = 0 and
// whenever sigma_b^2 underflows, and ln((s + b) / b0) - s - b + b0 cancels
// badly for s << b: evaluated in double against the same formula in 80-digit
// mpmath, its relative error reaches 6e-8 at s / b = 5e-5. The same formula
// rearranged exactly avoids both. With v = sigma_b^2,
//   R = sqrt((b - v)^2 + 4 (s + b) v),   D = b + v + R,   q = 2 s / D,
// one has (s + b) / b0 = 1 + q and b - b0 = -2 s v / D, so
//   AMS^2 = 2 (s + b) g(q) + (2 s sigma_b / D)^2,   g(q) = ln(1 + q) - q / (1 + q),
// with no division by sigma_b. At v = 0 it is the limit formula, because then
// D = 2 b and q = s / b. Over s / b from 1e-12 to 1e6, b from 1e-6 to 1e6 and
// sigma_b^2 / b from 1e-400 to 1e6, ams() below differed from the definition
// evaluated in 80-digit mpmath 1.3 by at most 2.9e-15 relative.
//
// The switch to the limit A0. The derivative of AMS^2 in v at v = 0 is
// -s^2 / b^2, so to first order the general value is A0 (1 - delta) with
//   delta = v s^2 / (2 b^2 A0^2).
// The limit is used where delta <= 2^-53, half a unit in the last place of 1;
// there the general formula cannot add anything in double precision. At
// delta = 2^-53 the exact (80-digit) relative difference between the two
// formulas was 2^-53 to 14 digits for s / b from 1e-12 to 1e9 and b from 1e-6
// to 1e6, so the switch moves the result by half an ulp plus rounding.
//
// Takes s > 0, and b > 0 or sigma_b > 0, with s, b and sigma_b^2 at most of
// order 1, as ams() scales them.
double scaled_ams(double s, double b, double sigma_b) {
  if (sigma_b == 0.0) {
    return std::sqrt(2.0 * (s + b) * log_excess(s / b));
  }

  if (b > 0.0) {
    const double limit = std::sqrt(2.0 * (s + b) * log_excess(s / b));
    // delta <= 2^-53 is sigma_b s / b <= 2^-26 A0. When s / b overflows, the
    // limit is infinite but the general value is finite, so the general
    // formula is used.
    if (std::isfinite(limit) && sigma_b * (s / b) <= std::ldexp(limit, -26)) {
      return limit;
    }
  }

  const double v = sigma_b * sigma_b;
  const double root = std::hypot(b - v, 2.0 * sigma_b * std::sqrt(s + b));  // R
  const double denominator = b + v + root;                                  // D
  const double q = 2.0 * s / denominator;
  const double penalty = 2.0 * s * sigma_b / denominator;  // (b0 - b) / sigma_b
  return std::sqrt(2.0 * (s + b) * log_excess(q) + penalty * penalty);
}

}  // namespace

double ams(double s, double b, double sigma_b) {
  check_count("s", s);
  check_count("b", b);
  check_count("sigma_b", sigma_b);

  if (s == 0.0) {
    return 0.0;
  }
  if (b == 0.0 && sigma_b == 0.0) {
    return std::numeric_limits<double>::infinity();
  }

  // b0 scales with (s, b, sigma_b^2) and ln((s + b) / b0) does not, so
  // AMS(k s, k b, sqrt(k) sigma_b) = sqrt(k) AMS(s, b, sigma_b). Scaling by
  // an even power of two is exact. It brings the largest of s, b and
  // sigma_b^2 near 1, so sigma_b^2 and the products in scaled_ams neither
  // underflow nor overflow. The switch criterion is invariant under it.
  int exponent = std::ilogb(s);
  if (b > 0.0) {
    exponent = std::max(exponent, std::ilogb(b));
  }
  if (sigma_b > 0.0) {
    exponent = std::max(exponent, 2 * std::ilogb(sigma_b));
  }
  exponent += exponent & 1;  // round up to even, negative exponents included
  return std::ldexp(scaled_ams(std::ldexp(s, -exponent), std::ldexp(b, -exponent),
                               std::ldexp(sigma_b, -exponent / 2)),
                    exponent / 2);
}

AmsCurve ams_curve(std::span<const autodiff::Scalar> scores,
                   std::span<const autodiff::Scalar> labels,
                   std::span<const autodiff::Scalar> nuisances,
                   std::span<const autodiff::Scalar> weights, double signal_total,
                   double background_total, std::size_t threshold_count) {
  const std::size_t n = scores.size();
  if (labels.size() != n || nuisances.size() != n || (!weights.empty() && weights.size() != n)) {
    throw std::invalid_argument(
        "ams_curve: scores, labels, nuisances and weights must have the "
        "same size (weights may be empty), got " +
        std::to_string(n) + ", " + std::to_string(labels.size()) + ", " +
        std::to_string(nuisances.size()) + " and " + std::to_string(weights.size()));
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!(scores[i] >= 0.0 && scores[i] <= 1.0)) {
      throw std::invalid_argument("ams_curve: scores[" + std::to_string(i) + "] is " +
                                  format_number(scores[i]) +
                                  "; scores must be probabilities in [0, 1], not logits");
    }
    if (!weights.empty() && !(std::isfinite(weights[i]) && weights[i] >= 0.0)) {
      throw std::invalid_argument("ams_curve: weights[" + std::to_string(i) + "] is " +
                                  format_number(weights[i]) +
                                  "; weights must be finite and non-negative");
    }
  }
  check_binary("labels", labels);
  check_binary("nuisances", nuisances);
  for (const auto& [name, total] :
       {std::pair{"signal_total", signal_total}, std::pair{"background_total", background_total}}) {
    if (!(total > 0.0 && std::isfinite(total))) {
      throw std::invalid_argument(std::string("ams_curve: ") + name + " is " +
                                  format_number(total) + "; pass a positive event count");
    }
  }
  if (threshold_count < 2) {
    throw std::invalid_argument("ams_curve: threshold_count is " + std::to_string(threshold_count) +
                                "; pass at least 2 so that both 0 and 1 are thresholds");
  }
  if (threshold_count > max_ams_thresholds) {
    throw std::invalid_argument("ams_curve: threshold_count is " + std::to_string(threshold_count) +
                                ", more than the maximum of " +
                                std::to_string(max_ams_thresholds) + "; pass fewer thresholds");
  }

  // Split into the three groups that enter the AMS: (y, z) = (1, 0), (0, 0), (0, 1).
  std::vector<std::pair<double, double>> signal, background, background_pileup;
  for (std::size_t i = 0; i < n; ++i) {
    const std::pair<double, double> sample{scores[i], weights.empty() ? 1.0 : weights[i]};
    if (labels[i] == 1.0 && nuisances[i] == 0.0) {
      signal.push_back(sample);
    } else if (labels[i] == 0.0) {
      (nuisances[i] == 0.0 ? background : background_pileup).push_back(sample);
    }
  }
  const SortedGroup signal_group = sorted_group(std::move(signal), "signal (y = 1) with z = 0");
  const SortedGroup background_group =
      sorted_group(std::move(background), "background (y = 0) with z = 0");
  const SortedGroup pileup_group =
      sorted_group(std::move(background_pileup), "background (y = 0) with z = 1");

  AmsCurve curve;
  curve.thresholds.resize(threshold_count);
  curve.ams.resize(threshold_count);
  curve.s.resize(threshold_count);
  curve.b.resize(threshold_count);
  curve.b1.resize(threshold_count);
  for (std::size_t k = 0; k < threshold_count; ++k) {
    const double c = static_cast<double>(k) / static_cast<double>(threshold_count - 1);
    const double s = signal_total * signal_group.fraction_above(c);
    const double b = background_total * background_group.fraction_above(c);
    const double b1 = background_total * pileup_group.fraction_above(c);

    curve.thresholds[k] = c;
    curve.ams[k] = ams(s, b, std::abs(b - b1));
    curve.s[k] = s;
    curve.b[k] = b;
    curve.b1[k] = b1;
  }
  return curve;
}

AmsPeak peak(const AmsCurve& curve) {
  if (curve.thresholds.size() != curve.ams.size()) {
    throw std::invalid_argument("peak: the curve has " + std::to_string(curve.thresholds.size()) +
                                " thresholds but " + std::to_string(curve.ams.size()) +
                                " AMS values; build it with ams_curve");
  }

  bool found = false;
  AmsPeak best;
  for (std::size_t k = 0; k < curve.ams.size(); ++k) {
    if (std::isfinite(curve.ams[k]) && (!found || curve.ams[k] > best.ams)) {
      best = {curve.thresholds[k], curve.ams[k], k};
      found = true;
    }
  }
  if (!found) {
    throw std::invalid_argument("peak: the curve has no finite AMS value (" +
                                std::to_string(curve.ams.size()) +
                                " values); it needs background above some threshold");
  }
  return best;
}

}  // namespace pivot
