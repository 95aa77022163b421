// The Keras notebook's CNN on Fashion-MNIST, with a validation split, early stopping, plots of
// the run and the trained model saved to a file.
//
//   cnn [--limit N] [--epochs E] [--out DIR]      (defaults: all 60,000 images, 10 epochs, .)
#include <tinynet/tinynet.hpp>

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

int main(int argc, char** argv) {
  long limit = 0;
  int epochs = 10;
  std::string out = ".";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--limit")
      limit = std::stol(value);
    else if (flag == "--epochs")
      epochs = std::stoi(value);
    else if (flag == "--out")
      out = value;
    else
      return std::cerr << "usage: cnn [--limit N] [--epochs E] [--out DIR]\n", 2;
  }
  try {
    auto data = tinynet::datasets::load_fashion_mnist();
    if (limit > 0 && limit < data.train.images.cols()) {  // a quick run on the first `limit` images
      data.train.images = data.train.images.left(limit);
      data.train.labels.resize(static_cast<std::size_t>(limit));
    }

    // Conv(32, 3×3) → ReLU → MaxPool 2 → Conv(64, 3×3) → ReLU → MaxPool 2 → Flatten → Dense 64 → Dense 10.
    tinynet::Sequential<float> model({28, 28, 1});
    model.add<tinynet::Conv2D>(32, 3).add<tinynet::ReLU>().add<tinynet::MaxPooling2D>(2);
    model.add<tinynet::Conv2D>(64, 3).add<tinynet::ReLU>().add<tinynet::MaxPooling2D>(2);
    model.add<tinynet::Flatten>().add<tinynet::Dense>(64).add<tinynet::ReLU>();
    model.add<tinynet::Dense>(10).add<tinynet::Softmax>();
    model.compile(tinynet::Adam{.learning_rate = 1e-3}, tinynet::SparseCategoricalCrossentropy{});
    model.summary();

    // Hold out the last 20 % for validation; stop when val_loss has not improved for 3 epochs.
    auto early_stopping = std::make_shared<tinynet::EarlyStopping<float>>(
        tinynet::EarlyStoppingOptions{.monitor = "val_loss", .patience = 3, .restore_best_weights = true});
    const std::string model_path = out + "/cnn.safetensors";
    tinynet::io::check_writable(model_path, "model file");  // before training, not after
    const tinynet::History history =
        model.fit(data.train.images, data.train.labels,
                  {.epochs = epochs, .batch_size = 64, .validation_split = 0.2, .callbacks = {early_stopping}});
    const tinynet::Evaluation test = model.evaluate(data.test.images, data.test.labels);
    std::cout << "test accuracy " << test.accuracy << ", test loss " << test.loss << '\n';

    // Plots of the run, and the model for later.
    const auto& names = tinynet::datasets::fashion_mnist_class_names();
    const std::vector<std::string> class_names(names.begin(), names.end());
    const std::vector<int> predicted = tinynet::argmax_columns(model.predict(data.test.images));
    tinynet::plot::training_curves(history, out + "/cnn-training.png", "CNN: training history");
    tinynet::plot::confusion_heatmap(tinynet::confusion_matrix(data.test.labels, predicted, 10), class_names,
                                     out + "/cnn-confusion.png", "CNN: confusion matrix (test set)");
    tinynet::io::save_model(model, model_path);
    std::cout << "wrote " << out << "/cnn-training.png, cnn-confusion.png and cnn.safetensors\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "cnn: " << e.what() << '\n';
    return 1;
  }
}
