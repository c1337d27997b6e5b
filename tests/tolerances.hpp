#pragma once

// Named tolerances shared by every suite. Each is a fraction (for
// boost::test_tools::tolerance) or an absolute difference, as its name says.

namespace test_tolerance {

// Hand-derived values computed in double precision by a different route.
inline constexpr double exact_fraction = 1e-12;

// Central differences with h = 1e-6 lose about half of double's digits.
inline constexpr double gradient_absolute = 1e-6;
inline constexpr double gradient_relative = 1e-5;

}  // namespace test_tolerance
