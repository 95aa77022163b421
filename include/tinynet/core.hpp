// The core of tinynet: models, layers, losses, optimizers, training, callbacks, metrics, data
// and model files. It needs Eigen, zlib and nlohmann/json (CMake target tinynet::core), and
// nothing of plotting: plots are tinynet/plot.hpp (target tinynet::plot, which needs stb).
#pragma once

#include <tinynet/errors.hpp>
#include <tinynet/random.hpp>
#include <tinynet/sequential.hpp>
#include <tinynet/version.hpp>

#include <tinynet/callbacks/csv_logger.hpp>
#include <tinynet/callbacks/early_stopping.hpp>
#include <tinynet/callbacks/learning_rate_scheduler.hpp>
#include <tinynet/callbacks/model_checkpoint.hpp>
#include <tinynet/callbacks/reduce_lr_on_plateau.hpp>
#include <tinynet/callbacks/terminate_on_nan.hpp>

#include <tinynet/metrics/accuracy.hpp>
#include <tinynet/metrics/classification_report.hpp>
#include <tinynet/metrics/confusion_matrix.hpp>

#include <tinynet/training/cross_validation.hpp>

#include <tinynet/data/augment.hpp>
#include <tinynet/data/images.hpp>
#include <tinynet/data/idx.hpp>
#include <tinynet/datasets/fashion_mnist.hpp>

#include <tinynet/io/model_file.hpp>
#include <tinynet/io/safetensors.hpp>
