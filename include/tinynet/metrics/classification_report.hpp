// Per-class precision, recall, F1 and support, with accuracy and macro / weighted averages, as
// scikit-learn's classification_report gives them; printable as a text table and as JSON.
//
// From the confusion matrix C (rows true class, columns predicted class), for class k:
//   support_k   = Σ_p C(k, p)                 samples whose true class is k
//   predicted_k = Σ_t C(t, k)                 samples predicted as k
//   precision_k = C(k, k) / predicted_k
//   recall_k    = C(k, k) / support_k
//   f1_k        = 2 · precision_k · recall_k / (precision_k + recall_k)
//   accuracy    = Σ_k C(k, k) / N,  N = Σ_k support_k
//   macro avg   = (1/K) Σ_k metric_k                        every class counts the same
//   weighted avg = Σ_k (support_k / N) · metric_k           every sample counts the same
// A ratio whose denominator is 0 is defined as 0 (scikit-learn's zero_division=0).
#pragma once

#include <tinynet/tensor.hpp>
#include <tinynet/metrics/accuracy.hpp>  // argmax_columns: probabilities → predicted classes
#include <tinynet/metrics/confusion_matrix.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tinynet {

struct ClassScores {
  double precision = 0;
  double recall = 0;
  double f1 = 0;
  std::int64_t support = 0;  // true samples of the class; for an average, all samples
};

class ClassificationReport {
 public:
  // From a K×K confusion matrix (rows true, columns predicted). class_names, if given, name
  // the classes in to_string() and to_json(); else the classes are called 0, 1, ...
  explicit ClassificationReport(Matrix<int> confusion, std::vector<std::string> class_names = {})
      : confusion_(std::move(confusion)), names_(std::move(class_names)) {
    if (confusion_.rows() != confusion_.cols() || confusion_.rows() == 0)
      throw std::invalid_argument("ClassificationReport: the confusion matrix must be non-empty and square, got " +
                                  std::to_string(confusion_.rows()) + "x" + std::to_string(confusion_.cols()));
    check_names(names_, "ClassificationReport");
    compute();
  }

  // From label lists (see confusion_matrix for the checks).
  ClassificationReport(const std::vector<int>& true_labels, const std::vector<int>& predicted, int num_classes,
                       std::vector<std::string> class_names = {})
      : ClassificationReport(confusion_matrix(true_labels, predicted, num_classes), std::move(class_names)) {}

  int num_classes() const { return static_cast<int>(confusion_.rows()); }
  const Matrix<int>& confusion() const { return confusion_; }
  const std::vector<ClassScores>& per_class() const { return classes_; }
  const ClassScores& operator[](int k) const { return classes_.at(static_cast<std::size_t>(k)); }
  const std::vector<std::string>& class_names() const { return names_; }

  std::int64_t total() const { return total_; }  // N
  double accuracy() const { return accuracy_; }
  const ClassScores& macro_avg() const { return macro_; }
  const ClassScores& weighted_avg() const { return weighted_; }

  // The table scikit-learn prints, `digits` decimals per score:
  //
  //                 precision    recall  f1-score   support
  //
  //        class 0       0.50      1.00      0.67         1
  //   ...
  //       accuracy                           0.60         5
  //      macro avg       0.50      0.56      0.49         5
  //   weighted avg       0.70      0.60      0.61         5
  //
  // `class_names` overrides the names given at construction.
  std::string to_string(const std::vector<std::string>& class_names = {}, int digits = 2) const {
    check_names(class_names, "ClassificationReport::to_string");
    const std::vector<std::string> names = labels(class_names.empty() ? names_ : class_names);
    digits = std::clamp(digits, 0, 10);
    std::size_t name_width = std::string("weighted avg").size();
    for (const std::string& n : names) name_width = std::max(name_width, n.size());
    const int col = std::max(9, digits + 3);

    std::string out;
    auto cell_text = [&](const std::string& s) {
      char buffer[64];
      std::snprintf(buffer, sizeof buffer, " %*s", col, s.c_str());
      out += buffer;
    };
    auto cell_score = [&](double v) {
      char buffer[64];
      std::snprintf(buffer, sizeof buffer, " %*.*f", col, digits, v);
      out += buffer;
    };
    auto name_cell = [&](const std::string& s) { out += std::string(name_width - s.size(), ' ') + s + ' '; };
    auto row = [&](const std::string& name, const ClassScores& s) {
      name_cell(name);
      cell_score(s.precision);
      cell_score(s.recall);
      cell_score(s.f1);
      cell_text(std::to_string(s.support));
      out += '\n';
    };

    name_cell("");
    for (const char* h : {"precision", "recall", "f1-score", "support"}) cell_text(h);
    out += "\n\n";
    for (std::size_t k = 0; k < classes_.size(); ++k) row(names[k], classes_[k]);
    out += '\n';
    name_cell("accuracy");
    cell_text("");
    cell_text("");
    cell_score(accuracy_);
    cell_text(std::to_string(total_));
    out += '\n';
    row("macro avg", macro_);
    row("weighted avg", weighted_);
    return out;
  }

  // {"classes": [{"class": 0, "name": ..., "precision": ..., "recall": ..., "f1-score": ...,
  //  "support": ...}, ...], "accuracy": ..., "macro avg": {...}, "weighted avg": {...},
  //  "support": N, "confusion_matrix": [[...], ...] (rows true classes)}
  nlohmann::json to_json(const std::vector<std::string>& class_names = {}) const {
    check_names(class_names, "ClassificationReport::to_json");
    const std::vector<std::string> names = labels(class_names.empty() ? names_ : class_names);
    auto scores = [](const ClassScores& s) {
      return nlohmann::json{
          {"precision", s.precision}, {"recall", s.recall}, {"f1-score", s.f1}, {"support", s.support}};
    };
    nlohmann::json j;
    j["classes"] = nlohmann::json::array();
    for (std::size_t k = 0; k < classes_.size(); ++k) {
      nlohmann::json c = scores(classes_[k]);
      c["class"] = k;
      c["name"] = names[k];
      j["classes"].push_back(std::move(c));
    }
    j["accuracy"] = accuracy_;
    j["macro avg"] = scores(macro_);
    j["weighted avg"] = scores(weighted_);
    j["support"] = total_;
    nlohmann::json rows = nlohmann::json::array();
    for (Index t = 0; t < confusion_.rows(); ++t) {
      nlohmann::json r = nlohmann::json::array();
      for (Index p = 0; p < confusion_.cols(); ++p) r.push_back(confusion_(t, p));
      rows.push_back(std::move(r));
    }
    j["confusion_matrix"] = std::move(rows);
    return j;
  }

 private:
  static double ratio(double num, double den) { return den > 0 ? num / den : 0.0; }

  void check_names(const std::vector<std::string>& names, const char* who) const {
    if (!names.empty() && static_cast<Index>(names.size()) != confusion_.rows())
      throw std::invalid_argument(std::string(who) + ": " + std::to_string(names.size()) + " class names for " +
                                  std::to_string(confusion_.rows()) + " classes");
  }

  std::vector<std::string> labels(const std::vector<std::string>& names) const {
    if (!names.empty()) return names;
    std::vector<std::string> numbers;
    for (int k = 0; k < num_classes(); ++k) numbers.push_back(std::to_string(k));
    return numbers;
  }

  void compute() {
    const int k_classes = num_classes();
    for (Index t = 0; t < confusion_.rows(); ++t)
      for (Index p = 0; p < confusion_.cols(); ++p)
        if (confusion_(t, p) < 0)
          throw std::invalid_argument("ClassificationReport: negative count " + std::to_string(confusion_(t, p)) +
                                      " at (" + std::to_string(t) + ", " + std::to_string(p) + ")");
    classes_.assign(static_cast<std::size_t>(k_classes), ClassScores{});
    std::int64_t correct = 0;
    total_ = 0;
    for (int k = 0; k < k_classes; ++k) {
      std::int64_t support = 0, predicted = 0;
      for (int j = 0; j < k_classes; ++j) {
        support += confusion_(k, j);    // row k: samples of true class k
        predicted += confusion_(j, k);  // column k: samples predicted as k
      }
      const double tp = confusion_(k, k);
      ClassScores& s = classes_[static_cast<std::size_t>(k)];
      s.support = support;
      s.precision = ratio(tp, static_cast<double>(predicted));
      s.recall = ratio(tp, static_cast<double>(support));
      s.f1 = ratio(2.0 * s.precision * s.recall, s.precision + s.recall);
      correct += confusion_(k, k);
      total_ += support;
    }
    accuracy_ = ratio(static_cast<double>(correct), static_cast<double>(total_));

    macro_ = weighted_ = ClassScores{};
    for (const ClassScores& s : classes_) {
      macro_.precision += s.precision / k_classes;
      macro_.recall += s.recall / k_classes;
      macro_.f1 += s.f1 / k_classes;
      const double share = ratio(static_cast<double>(s.support), static_cast<double>(total_));
      weighted_.precision += share * s.precision;
      weighted_.recall += share * s.recall;
      weighted_.f1 += share * s.f1;
    }
    macro_.support = weighted_.support = total_;
  }

  Matrix<int> confusion_;
  std::vector<std::string> names_;
  std::vector<ClassScores> classes_;
  ClassScores macro_, weighted_;
  double accuracy_ = 0;
  std::int64_t total_ = 0;
};

inline std::ostream& operator<<(std::ostream& os, const ClassificationReport& report) {
  return os << report.to_string();
}

}  // namespace tinynet
