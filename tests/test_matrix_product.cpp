// The matrix product (detail/matrix_product.hpp): the tiled product against the three-loop
// definition, for every layout the layers use, at sizes that are and are not whole tiles, with
// more than one block of k, and on 1 and 2 threads.
#include "catch.hpp"
#include "gradient_check.hpp"

#include <tinynet/detail/matrix_product.hpp>
#include <tinynet/threads.hpp>

#include <cmath>
#include <vector>

using tinynet::Index;
using tinynet::Matrix;
namespace detail = tinynet::detail;

namespace {

template <typename T>
Matrix<T> random_of(Index rows, Index cols, std::uint64_t seed) {
  return tinynet_test::random_matrix(rows, cols, seed).cast<T>();
}

// The worst |tiled − reference| over the entries, relative to Σ_p |A[i,p]|·|B[p,j]| (the size a
// rounding error of the sum can reach): a wrong term, a missed one or a stale C shows up as an
// error of order 1, rounding as one of order k·ε.
template <typename T>
double worst_relative_error(const Matrix<T>& got, const Matrix<T>& want, const Matrix<T>& a_abs_b_abs) {
  double worst = 0;
  for (Index j = 0; j < got.cols(); ++j)
    for (Index i = 0; i < got.rows(); ++i) {
      const double scale = std::max<double>(a_abs_b_abs(i, j), 1e-30);
      worst = std::max(worst, std::abs(double(got(i, j)) - double(want(i, j))) / scale);
    }
  return worst;
}

struct ProductShape {
  Index m, k, n;
};

// Shapes: single values, partial tiles in every direction, k below and above one block (256),
// the shapes of the notebook's models (Dense 784→128 at batch 64, Conv2D's 64×288 kernel, the
// CNN's Dense 1600→64), and k ≥ 4·max(m, n) in one task and in several (a cut along p).
const std::vector<ProductShape> shapes = {
    {2, 3, 5},      {40, 30, 15},   {64, 260, 11}, {1, 1, 1},     {1, 5, 1},      {3, 7, 2},      {31, 9, 7},
    {32, 16, 8},    {33, 17, 9},    {64, 300, 24}, {70, 513, 13}, {10, 128, 64},  {128, 784, 64}, {128, 64, 50},
    {64, 288, 121}, {288, 64, 121}, {17, 1, 40},   {10, 128, 32}, {64, 1600, 64}, {64, 8192, 40}};

template <typename T>
void check_all_layouts(const ProductShape& s, bool accumulate) {
  const Matrix<T> a = random_of<T>(s.m, s.k, 1), b = random_of<T>(s.k, s.n, 2), c0 = random_of<T>(s.m, s.n, 3);
  const Matrix<T> a_t = a.transpose(), b_t = b.transpose();
  const Matrix<T> scale =
      a.cwiseAbs() * b.cwiseAbs() + (accumulate ? Matrix<T>(c0.cwiseAbs()) : Matrix<T>::Zero(s.m, s.n));
  Matrix<T> want = c0;
  detail::product_reference(want.data(), want.rows(), detail::view_of(a), detail::view_of(b), accumulate);
  // Rounding: k products and sums, each off by at most ε relative to the running total.
  const double tolerance = 4.0 * double(s.k + 1) * double(std::numeric_limits<T>::epsilon());
  INFO("m " << s.m << ", k " << s.k << ", n " << s.n << (accumulate ? ", C += A·B" : ", C = A·B"));

  Matrix<T> c = c0;
  detail::product(c, a, b, accumulate);  // A · B
  CHECK(worst_relative_error(c, want, scale) < tolerance);
  const Matrix<T> same_every_time = c;
  c = c0;
  detail::product(c, a, b_t.transpose(), accumulate);  // A · (Bᵀ)ᵀ: B read along its rows
  CHECK(worst_relative_error(c, want, scale) < tolerance);
  c = c0;
  detail::product(c, a_t.transpose(), b, accumulate);  // (Aᵀ)ᵀ · B: A packed from its rows
  CHECK(worst_relative_error(c, want, scale) < tolerance);
  c = c0;
  detail::product(c, a_t.transpose(), b_t.transpose(), accumulate);
  CHECK(worst_relative_error(c, want, scale) < tolerance);
  // With a bias added to every column.
  const Matrix<T> bias = random_of<T>(s.m, 1, 4);
  Matrix<T> want_biased = want;
  want_biased.colwise() += bias.col(0);
  Matrix<T> biased = c0;
  detail::product(biased, a, b, accumulate, bias.data());
  const Matrix<T> biased_scale = scale + bias.cwiseAbs().replicate(1, s.n);
  CHECK(worst_relative_error(biased, want_biased, biased_scale) < tolerance);
  Matrix<T> cut_inner_first;    // with room for partial sums: cut along p where the shape allows
  for (int threads : {1, 2}) {  // cut into bands on the threads: the same values, bit for bit
    tinynet::set_num_threads(threads);
    c = c0;
    detail::parallel_product(c, a, b, accumulate);
    CHECK(c == same_every_time);
    Matrix<T> partial_sums;
    biased = c0;
    detail::parallel_product(biased, a, b, accumulate, bias.data(), &partial_sums);
    CHECK(worst_relative_error(biased, want_biased, biased_scale) < tolerance);
    if (threads == 1) cut_inner_first = biased;
    CHECK(biased == cut_inner_first);
  }
  tinynet::set_num_threads(tinynet::hardware_threads());
}

}  // namespace

TEMPLATE_TEST_CASE("The tiled product equals the three-loop definition", "[product]", float, double) {
  for (const ProductShape& s : shapes) {
    check_all_layouts<TestType>(s, false);
    check_all_layouts<TestType>(s, true);
  }
}

TEST_CASE("The product writes only its block of a larger matrix", "[product]") {
  // dst is a band of columns of a bigger matrix (as Conv2D's chunks are), with rows around it.
  const Matrix<double> a = tinynet_test::random_matrix(37, 20, 4), b = tinynet_test::random_matrix(20, 11, 5);
  Matrix<double> big = tinynet_test::random_matrix(37, 30, 6);
  const Matrix<double> before = big;
  detail::product(big.middleCols(7, 11), a, b, false);
  CHECK(big.leftCols(7) == before.leftCols(7));
  CHECK(big.rightCols(12) == before.rightCols(12));
  CHECK((big.middleCols(7, 11) - a * b).cwiseAbs().maxCoeff() < 1e-12);
  // A block of rows (columns not contiguous in memory as a whole, but each one is).
  Matrix<double> tall = tinynet_test::random_matrix(50, 11, 7);
  const Matrix<double> tall_before = tall;
  detail::product(tall.middleRows(5, 37), a, b, true);
  CHECK(tall.topRows(5) == tall_before.topRows(5));
  CHECK(tall.bottomRows(8) == tall_before.bottomRows(8));
  CHECK((tall.middleRows(5, 37) - tall_before.middleRows(5, 37) - a * b).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("An empty sum gives zeros, or leaves C as it was", "[product]") {
  const Matrix<float> a(3, 0), b(0, 4);
  Matrix<float> c = Matrix<float>::Constant(3, 4, 2.5f);
  detail::product(c, a, b, true);
  CHECK(c == Matrix<float>::Constant(3, 4, 2.5f));
  detail::product(c, a, b, false);
  CHECK(c == Matrix<float>::Zero(3, 4));
}

TEST_CASE("A product of mismatched shapes is refused", "[product]") {
  const Matrix<float> a(3, 5), b(4, 2);
  Matrix<float> c(3, 2);
  REQUIRE_THROWS_WITH(detail::product(c, a, b, false), tinynet_test::contains("(3 × 5) · (4 × 2) into (3 × 2)"));
  Matrix<float> wrong(2, 2);
  const Matrix<float> b5(5, 2);
  REQUIRE_THROWS_WITH(detail::parallel_product(wrong, a, b5, false), tinynet_test::contains("into (2 × 2)"));
}

TEST_CASE("parallel_product cuts a product into bands that cover it, one per tile when the work allows", "[product]") {
  // Every band is whole tiles along C's longer side; together they cover it exactly once.
  auto check_covers = [](const detail::ProductCut& cut) {
    REQUIRE(cut.tasks >= 1);
    CHECK(cut.tasks * cut.tiles_per_task * cut.tile >= cut.extent);
    CHECK((cut.tasks - 1) * cut.tiles_per_task * cut.tile < cut.extent);
  };
  const Index tile = detail::cut_product<float>(1, 1, 1).tile;  // MR: the cut of a tall C is in rows
  // Two tiles of rows and 6M multiply-adds (the notebook CNN's Dense 1600 → 64 at batch 64 with
  // AVX-512): a band per tile, so that two threads share it (a wrong rounding once made it one).
  const Index m = 2 * tile, n = 2 * tile, k = (Index{6} << 20) / (m * n);
  const detail::ProductCut two = detail::cut_product<float>(m, n, k);
  CHECK(two.along == detail::CutAlong::rows);
  CHECK(two.tasks == 2);
  check_covers(two);
  // Little work: one task; much work: at most 16; wide C: bands of columns.
  CHECK(detail::cut_product<float>(8, 8, 8).tasks == 1);
  const detail::ProductCut big = detail::cut_product<float>(64 * tile, 64, 4096);
  CHECK(big.tasks == 16);
  check_covers(big);
  const detail::ProductCut wide = detail::cut_product<float>(128, 784, 64);
  CHECK(wide.along == detail::CutAlong::columns);
  CHECK(wide.extent == 784);
  // 128·784·64 multiply-adds ≈ 12.25 × 2^19: 12 bands wanted; in whole tiles, 11 or 12 (with
  // AVX-512's 8-column tiles, 98 tiles: 11 bands of 9)
  CHECK(wide.tasks >= 11);
  CHECK(wide.tasks <= 12);
  check_covers(wide);
  // Room for partial sums and k ≥ 4·max(m, n) (Dense 784 → 128 at batch 64): bands of p, in
  // tiles of NR terms, of about 3M multiply-adds each (each costs a partial sum): two halves of
  // W's columns, as its gradient dL/dW = dY · Xᵀ (the cut of `wide`) is shared by two threads.
  const detail::ProductCut inner = detail::cut_product<float>(128, 64, 784, true);
  CHECK(inner.along == detail::CutAlong::inner);
  CHECK(inner.extent == 784);
  CHECK(inner.tasks == 2);
  CHECK(inner.tile == wide.tile);
  check_covers(inner);
  CHECK(detail::cut_product<float>(128, 64, 511, true).along == detail::CutAlong::rows);  // k < 4·128
  CHECK(detail::cut_product<float>(128, 64, 784).along == detail::CutAlong::rows);        // no room: never
  CHECK(detail::cut_product<float>(64, 64, 1600, true).tasks == 2);                       // the CNN's Dense
  CHECK(detail::cut_product<float>(64, 64, 1 << 16, true).tasks == 16);                   // at most 16
}
