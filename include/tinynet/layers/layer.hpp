// The one abstract base every layer derives from.
//
// A layer is a function y = f(x; θ) on a batch held as a (features × N) matrix, plus its
// derivative. Sequential calls, for every batch:
//
//   forward(x, mode)  -> y     the layer keeps what backward needs as named members
//   backward(dy)      -> dx    dy = dL/dy; accumulates dL/dθ into the parameter gradients (+=)
//                              (or writes it, when told to: overwrite_gradients below) and
//                              returns dL/dx for the layer below
//
// Outputs and input gradients live in members of the layer, reused from batch to batch, so a
// training step allocates nothing once the first batch of a given size has run.
//
// A layer knows nothing of files: io/ saves and loads it through its public accessors.
#pragma once

#include <tinynet/parameter.hpp>
#include <tinynet/tensor.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace tinynet {

// Training: Dropout drops, BatchNorm uses batch statistics. Inference: neither.
enum class Mode { training, inference };

template <typename T>
class Layer {
 public:
  virtual ~Layer() = default;

  // Keras's class name: "Dense", "ReLU", ...
  virtual std::string type() const = 0;

  // Called once, when the layer is added to a model: checks that the layer accepts
  // `input_shape` (throws std::invalid_argument naming expected vs got otherwise), creates
  // and initialises the parameters from `seed`, and returns the output shape.
  virtual Shape build(const Shape& input_shape, std::uint64_t seed) = 0;

  virtual const Matrix<T>& forward(const MatrixRef<T>& x, Mode mode) = 0;
  virtual const Matrix<T>& backward(const Matrix<T>& dy) = 0;

  // Every tensor the layer owns, trainable first. Layers without parameters return {}.
  virtual std::vector<Parameter<T>> parameters() { return {}; }

  // How many parameter values build(input_shape) creates, computed without building: a model
  // file is checked against it before anything is allocated. Layers with parameters override it.
  virtual Index parameter_count(const Shape& /*input_shape*/) const { return 0; }

  // The input shape the layer's constructor stated (Dense(784, 128) states {784}), or an
  // empty shape. Sequential uses it as the model's input shape when none was given.
  virtual Shape declared_input_shape() const { return {}; }

  const Shape& input_shape() const { return input_shape_; }
  const Shape& output_shape() const { return output_shape_; }

  // The first layer of a model need not compute dL/dx (nobody uses it); Sequential turns it off.
  bool compute_input_gradient = true;

  // Sequential's promise during a training step: the x it passes to forward(x, Mode::training)
  // stays where it is, unchanged, until this layer's backward has returned (the first layer's x
  // is the caller's batch, every other layer's the output of the layer below, which only the
  // next forward rewrites). A layer may then keep a view of x for backward instead of a copy.
  // Off otherwise: whoever else calls forward may pass a temporary.
  bool input_kept_until_backward = false;

  // Sequential's other word during a training step, to the layers that can_overwrite_gradients():
  // their parameter gradients hold nothing to keep when backward begins, so backward writes
  // dL/dθ (=) where it would add it (+=), and Sequential does not zero them first. The result is
  // the same, one pass over every gradient cheaper (PyTorch's zero_grad(set_to_none=True) saves
  // it the same way). Off otherwise, so that backward called by anyone else accumulates.
  bool overwrite_gradients = false;

  // Whether backward honours overwrite_gradients. A layer that does not (the default) has its
  // gradients zeroed before every training step's backward, as step 1 of the step says.
  virtual bool can_overwrite_gradients() const { return false; }

 protected:
  Shape input_shape_;
  Shape output_shape_;

  // Throws unless forward ran with a batch whose shape matches dy.
  void check_backward(const Matrix<T>& forward_output, const Matrix<T>& dy) const {
    if (forward_output.size() == 0) throw std::logic_error(type() + "::backward called before forward");
    if (dy.rows() != forward_output.rows() || dy.cols() != forward_output.cols())
      throw std::invalid_argument(type() + "::backward: dy is " + std::to_string(dy.rows()) + "×" +
                                  std::to_string(dy.cols()) + ", expected " + std::to_string(forward_output.rows()) +
                                  "×" + std::to_string(forward_output.cols()) + " (the forward output)");
  }

  // Throws unless x has as many rows as one sample of input_shape_ has values.
  void check_forward(const MatrixRef<T>& x) const {
    if (x.rows() != input_shape_.size())
      throw std::invalid_argument(type() + "::forward: input has " + std::to_string(x.rows()) +
                                  " features per sample, expected " + std::to_string(input_shape_.size()) + " " +
                                  input_shape_.to_string());
  }
};

}  // namespace tinynet
