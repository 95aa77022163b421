// Catch2's main, compiled once for the whole test program (v2 only: v3 links Catch2WithMain).
#if defined(TINYNET_CATCH2)
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
#endif
