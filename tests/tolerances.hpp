#pragma once

// Named tolerances shared by every suite. Each is a fraction (for
// boost::test_tools::tolerance) or an absolute difference, as its name states.

namespace test_tolerance {

// Hand-derived values computed in double precision by a different route.
inline constexpr double exact_fraction = 1e-12;

// Central differences with h = 1e-6 lose about half of double's digits.
inline constexpr double gradient_absolute = 1e-6;
inline constexpr double gradient_relative = 1e-5;

}  // namespace test_tolerance

namespace test_tolerance {

// A matrix product of a few terms in [-1, 1] summed in another order (BLAS
// against a naive loop) differs by a few units in the last place.
inline constexpr double reordered_sum_absolute = 1e-12;

}  // namespace test_tolerance

namespace test_tolerance {

// pivot::ams on the two sides of its switch to the sigma_b -> 0 limit: the
// formulas differ there by 2^-53 relative, plus the rounding of each (a few
// units in the last place).
inline constexpr double ams_switch_fraction = 4e-15;

}  // namespace test_tolerance
