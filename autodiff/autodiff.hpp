#pragma once

// The whole engine: the tape, every op and the gradient checker.

#include "autodiff/gradient_check.hpp"
#include "autodiff/matrix.hpp"
#include "autodiff/ops/arithmetic.hpp"
#include "autodiff/ops/elementwise.hpp"
#include "autodiff/ops/fused.hpp"
#include "autodiff/ops/linalg.hpp"
#include "autodiff/ops/reductions.hpp"
#include "autodiff/ops/structure.hpp"
#include "autodiff/parameter.hpp"
#include "autodiff/tape.hpp"
