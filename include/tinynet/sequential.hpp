// Everything needed to build, train and evaluate a model: Sequential, every built-in layer,
// loss and optimizer, and the training loop. Callbacks, data, files and plots have headers of
// their own (core.hpp gathers all but plots; tinynet.hpp everything).
#pragma once

#include <tinynet/layers.hpp>
#include <tinynet/losses/cross_entropy.hpp>
#include <tinynet/model/sequential.hpp>
#include <tinynet/optimizers.hpp>
#include <tinynet/regularizers.hpp>
#include <tinynet/threads.hpp>
