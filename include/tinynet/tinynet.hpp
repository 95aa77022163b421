// tinynet: a header-only C++20 deep-learning library for the CPU.
// This umbrella header includes everything; each concept also has a header of its own.
#pragma once

#include "tensor.hpp"
#include "initializers.hpp"
#include "regularizers.hpp"
#include "history.hpp"

#include "layers/layer.hpp"
#include "layers/dense.hpp"
#include "layers/relu.hpp"
#include "layers/softmax.hpp"
#include "layers/conv2d.hpp"
#include "layers/max_pooling2d.hpp"
#include "layers/flatten.hpp"
#include "layers/batch_normalization.hpp"
#include "layers/dropout.hpp"
#include "layers/leaky_relu.hpp"
#include "layers/elu.hpp"

#include "data/augment.hpp"

#include "losses/cross_entropy.hpp"
#include "metrics/accuracy.hpp"
#include "metrics/confusion_matrix.hpp"
#include "metrics/classification_report.hpp"

#include "optimizers/optimizer.hpp"
#include "optimizers/sgd.hpp"
#include "optimizers/adam.hpp"
#include "optimizers/rmsprop.hpp"

#include "callbacks/callback.hpp"
#include "callbacks/progress_logger.hpp"
#include "callbacks/early_stopping.hpp"
#include "callbacks/reduce_lr_on_plateau.hpp"
#include "callbacks/learning_rate_scheduler.hpp"
#include "callbacks/csv_logger.hpp"
#include "callbacks/terminate_on_nan.hpp"

#include "sequential.hpp"
#include "io/safetensors.hpp"
#include "io/layer_registry.hpp"
#include "io/model_file.hpp"
#include "callbacks/model_checkpoint.hpp"
#include "cross_validation.hpp"
#include "threads.hpp"

#include "data/idx.hpp"
#include "datasets/fashion_mnist.hpp"

#include "plot/canvas.hpp"
#include "plot/line_chart.hpp"
#include "plot/confusion_matrix.hpp"
#include "plot/image_grid.hpp"
