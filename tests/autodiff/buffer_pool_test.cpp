#define BOOST_TEST_MODULE autodiff_buffer_pool
#include <boost/test/unit_test.hpp>

#include <cstdint>

#include "autodiff/buffer_pool.hpp"

using autodiff::BufferPool;
using autodiff::Matrix;
using autodiff::Shape;

BOOST_AUTO_TEST_CASE(take_gives_requested_shape) {
  BufferPool pool;

  const Matrix array = pool.take({3, 4});

  BOOST_TEST((autodiff::shape_of(array) == Shape{3, 4}));
  BOOST_TEST(array.size() == 12u);
}

BOOST_AUTO_TEST_CASE(take_reuses_given_storage) {
  BufferPool pool;
  Matrix first = pool.take({3, 4});
  const double* storage = first.data();

  pool.end_cycle();
  pool.give(std::move(first));
  const Matrix second = pool.take({3, 4});

  BOOST_TEST(second.data() == storage);
}

BOOST_AUTO_TEST_CASE(take_reshapes_same_size) {
  BufferPool pool;
  Matrix first = pool.take({3, 4});
  const double* storage = first.data();

  pool.end_cycle();
  pool.give(std::move(first));
  const Matrix second = pool.take({6, 2});

  BOOST_TEST(second.data() == storage);
  BOOST_TEST((autodiff::shape_of(second) == Shape{6, 2}));
}

BOOST_AUTO_TEST_CASE(give_frees_untaken_sizes) {
  BufferPool pool;

  // Arrays of a size that take() never handed out are freed, so arrays that
  // callers allocate themselves do not pile up.
  for (int cycle = 0; cycle < 10; ++cycle) {
    pool.end_cycle();
    pool.give(Matrix(Shape{5, 5}, 1.0));
  }

  BOOST_TEST(pool.pooled_bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(pool_keeps_most_taken_in_one_cycle) {
  BufferPool pool;
  Matrix a = pool.take({2, 2});
  Matrix b = pool.take({2, 2});

  pool.end_cycle();
  pool.give(std::move(a));
  pool.give(std::move(b));
  pool.give(Matrix(Shape{2, 2}, 0.0));  // a third array of the size is freed

  BOOST_TEST(pool.pooled_bytes() == 2u * 4u * sizeof(double));
}

BOOST_AUTO_TEST_CASE(stale_sizes_are_freed) {
  BufferPool pool;
  Matrix array = pool.take({4, 4});
  pool.end_cycle();
  pool.give(std::move(array));
  BOOST_TEST(pool.pooled_bytes() == 16u * sizeof(double));

  // stale_cycles cycles have now ended since the take; one more frees it.
  for (std::uint64_t cycle = 1; cycle < BufferPool::stale_cycles; ++cycle) {
    pool.end_cycle();
  }
  BOOST_TEST(pool.pooled_bytes() == 16u * sizeof(double));

  pool.end_cycle();
  BOOST_TEST(pool.pooled_bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(empty_arrays_bypass_pool) {
  BufferPool pool;

  const Matrix empty = pool.take({0, 3});
  pool.give(Matrix(Shape{0, 3}));

  BOOST_TEST((autodiff::shape_of(empty) == Shape{0, 3}));
  BOOST_TEST(pool.pooled_bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(release_frees_everything) {
  BufferPool pool;
  Matrix array = pool.take({8, 8});
  pool.end_cycle();
  pool.give(std::move(array));

  pool.release();

  BOOST_TEST(pool.pooled_bytes() == 0u);
}
