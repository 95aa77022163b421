// tinynet: a header-only C++20 deep-learning library for the CPU.
// This umbrella header includes everything: the core (core.hpp) and the plots (plot.hpp).
// Each concept also has a header of its own; docs/design.md shows which needs which.
#pragma once

#include <tinynet/core.hpp>
#include <tinynet/plot.hpp>
