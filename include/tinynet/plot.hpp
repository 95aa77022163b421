// Plots: PNG charts of training runs, confusion heatmaps and image grids (needs stb; CMake
// target tinynet::plot).
#pragma once

#include <tinynet/plot/canvas.hpp>
#include <tinynet/plot/confusion_heatmap.hpp>
#include <tinynet/plot/image_grid.hpp>
#include <tinynet/plot/line_chart.hpp>
