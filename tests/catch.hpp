// Includes Catch2, v3 or v2, whichever the build found.
#pragma once
#if defined(TINYNET_CATCH3)
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
namespace Catch {
using Detail::Approx;  // v3 spells it Catch::Approx; make that work with v2 too
}
#endif

#include <string>

namespace tinynet_test {
// REQUIRE_THROWS_WITH(expr, tinynet_test::contains("text")) in both Catch2 versions.
inline auto contains(const std::string& text) {
#if defined(TINYNET_CATCH3)
  return Catch::Matchers::ContainsSubstring(text);
#else
  return Catch::Matchers::Contains(text);
#endif
}
}  // namespace tinynet_test
