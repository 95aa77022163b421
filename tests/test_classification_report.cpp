// The evaluation report: confusion counts, per-class precision / recall / F1 / support, accuracy,
// macro and weighted averages, held against values worked out by hand.
#include "catch.hpp"

#include <tinynet/metrics/classification_report.hpp>
#include <tinynet/metrics/confusion_matrix.hpp>

#include <sstream>
#include <string>
#include <vector>

using tinynet::ClassificationReport;
using tinynet::Matrix;

namespace {

// Nine samples of three classes:
//   true       0 0 1 1 1 2 2 2 2
//   predicted  0 1 1 1 0 2 2 1 0
// gives (rows true, columns predicted)
//   [1 1 0]   support 2
//   [1 2 0]   support 3
//   [1 1 2]   support 4
// predicted as 0, 1, 2: 3, 4, 2 samples.
const std::vector<int> kTrue{0, 0, 1, 1, 1, 2, 2, 2, 2};
const std::vector<int> kPredicted{0, 1, 1, 1, 0, 2, 2, 1, 0};

}  // namespace

TEST_CASE("confusion_matrix counts (true, predicted) pairs", "[metrics]") {
  const Matrix<int> c = tinynet::confusion_matrix(kTrue, kPredicted, 3);
  Matrix<int> expected(3, 3);
  expected << 1, 1, 0,  //
      1, 2, 0,          //
      1, 1, 2;
  CHECK(c == expected);
  CHECK(c.sum() == 9);

  // classes that never occur still get their row and column
  CHECK(tinynet::confusion_matrix({0, 0}, {0, 0}, 4) ==
        (Matrix<int>(4, 4) << 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0).finished());
  CHECK(tinynet::confusion_matrix({}, {}, 2) == Matrix<int>::Zero(2, 2));
}

TEST_CASE("confusion_matrix rejects bad input, naming index and value", "[metrics]") {
  REQUIRE_THROWS_WITH(tinynet::confusion_matrix({0, 1, 2}, {0, 1}, 3),
                      tinynet_test::contains("3 true labels but 2 predictions"));
  REQUIRE_THROWS_WITH(tinynet::confusion_matrix({0, 1, 2}, {0, 1, 7}, 3), tinynet_test::contains("predicted[2] = 7"));
  REQUIRE_THROWS_WITH(tinynet::confusion_matrix({0, -1}, {0, 1}, 3), tinynet_test::contains("true_labels[1] = -1"));
  REQUIRE_THROWS_WITH(tinynet::confusion_matrix({0}, {0}, 0), tinynet_test::contains("num_classes must be positive"));
}

TEST_CASE("classification report matches hand-computed scores", "[metrics]") {
  const ClassificationReport r(kTrue, kPredicted, 3);
  REQUIRE(r.num_classes() == 3);
  CHECK(r.total() == 9);
  const double eps = 1e-12;

  // precision = diagonal / column sum, recall = diagonal / row sum
  CHECK(r[0].precision == Catch::Approx(1.0 / 3).margin(eps));
  CHECK(r[1].precision == Catch::Approx(2.0 / 4).margin(eps));
  CHECK(r[2].precision == Catch::Approx(2.0 / 2).margin(eps));
  CHECK(r[0].recall == Catch::Approx(1.0 / 2).margin(eps));
  CHECK(r[1].recall == Catch::Approx(2.0 / 3).margin(eps));
  CHECK(r[2].recall == Catch::Approx(2.0 / 4).margin(eps));
  // F1 = 2PR / (P + R)
  CHECK(r[0].f1 == Catch::Approx(2.0 / 5).margin(eps));
  CHECK(r[1].f1 == Catch::Approx(4.0 / 7).margin(eps));
  CHECK(r[2].f1 == Catch::Approx(2.0 / 3).margin(eps));
  CHECK(r[0].support == 2);
  CHECK(r[1].support == 3);
  CHECK(r[2].support == 4);

  CHECK(r.accuracy() == Catch::Approx(5.0 / 9).margin(eps));
  // macro: the plain mean over classes
  CHECK(r.macro_avg().precision == Catch::Approx(11.0 / 18).margin(eps));
  CHECK(r.macro_avg().recall == Catch::Approx(5.0 / 9).margin(eps));
  CHECK(r.macro_avg().f1 == Catch::Approx(172.0 / 315).margin(eps));
  CHECK(r.macro_avg().support == 9);
  // weighted: weights 2/9, 3/9, 4/9; weighted recall is always the accuracy
  CHECK(r.weighted_avg().precision == Catch::Approx(37.0 / 54).margin(eps));
  CHECK(r.weighted_avg().recall == Catch::Approx(5.0 / 9).margin(eps));
  CHECK(r.weighted_avg().f1 == Catch::Approx(544.0 / 945).margin(eps));
  CHECK(r.weighted_avg().support == 9);

  // the same report from the confusion matrix
  const ClassificationReport from_counts(tinynet::confusion_matrix(kTrue, kPredicted, 3));
  CHECK(from_counts.macro_avg().f1 == r.macro_avg().f1);
}

TEST_CASE("classification report defines 0/0 as 0", "[metrics]") {
  // class 2 never true and never predicted; class 1 never predicted
  const ClassificationReport r({0, 0, 1}, {0, 0, 0}, 3);
  CHECK(r[1].precision == 0.0);  // 0 predicted
  CHECK(r[1].recall == 0.0);
  CHECK(r[1].f1 == 0.0);
  CHECK(r[2].precision == 0.0);
  CHECK(r[2].recall == 0.0);
  CHECK(r[2].support == 0);
  CHECK(r[0].precision == Catch::Approx(2.0 / 3).margin(1e-12));
  CHECK(r[0].recall == 1.0);
  CHECK(r[0].f1 == Catch::Approx(0.8).margin(1e-12));
  CHECK(r.macro_avg().recall == Catch::Approx(1.0 / 3).margin(1e-12));  // zero-support class counts too
  CHECK(r.weighted_avg().f1 == Catch::Approx(2.0 / 3 * 0.8).margin(1e-12));

  const ClassificationReport empty(Matrix<int>::Zero(2, 2));
  CHECK(empty.accuracy() == 0.0);
  CHECK(empty.weighted_avg().precision == 0.0);
  CHECK(empty.total() == 0);
}

TEST_CASE("classification report prints scikit-learn's table", "[metrics]") {
  const ClassificationReport r(kTrue, kPredicted, 3, {"cat", "dog", "bird"});
  const std::string expected =
      "              precision    recall  f1-score   support\n"
      "\n"
      "         cat       0.33      0.50      0.40         2\n"
      "         dog       0.50      0.67      0.57         3\n"
      "        bird       1.00      0.50      0.67         4\n"
      "\n"
      "    accuracy                           0.56         9\n"
      "   macro avg       0.61      0.56      0.55         9\n"
      "weighted avg       0.69      0.56      0.58         9\n";
  CHECK(r.to_string() == expected);
  std::ostringstream os;
  os << r;
  CHECK(os.str() == expected);

  // names given at print time; long names widen the first column; more digits
  const std::string wide = r.to_string({"T-shirt/top and more", "b", "c"}, 4);
  CHECK(wide.find("T-shirt/top and more     0.3333    0.5000    0.4000         2\n") != std::string::npos);
  CHECK(wide.find("           macro avg     0.6111    0.5556    0.5460         9\n") != std::string::npos);
  // no names: class numbers
  CHECK(ClassificationReport(kTrue, kPredicted, 3).to_string().find("           2       1.00") != std::string::npos);
}

TEST_CASE("classification report as JSON", "[metrics]") {
  const ClassificationReport r(kTrue, kPredicted, 3, {"cat", "dog", "bird"});
  const nlohmann::json j = r.to_json();
  REQUIRE(j["classes"].size() == 3u);
  CHECK(j["classes"][1]["name"] == "dog");
  CHECK(j["classes"][1]["class"] == 1);
  CHECK(j["classes"][1]["precision"].get<double>() == Catch::Approx(0.5));
  CHECK(j["classes"][2]["recall"].get<double>() == Catch::Approx(0.5));
  CHECK(j["classes"][0]["f1-score"].get<double>() == Catch::Approx(0.4));
  CHECK(j["classes"][2]["support"] == 4);
  CHECK(j["accuracy"].get<double>() == Catch::Approx(5.0 / 9));
  CHECK(j["macro avg"]["precision"].get<double>() == Catch::Approx(11.0 / 18));
  CHECK(j["weighted avg"]["f1-score"].get<double>() == Catch::Approx(544.0 / 945));
  CHECK(j["support"] == 9);
  CHECK(j["confusion_matrix"] == nlohmann::json::parse("[[1,1,0],[1,2,0],[1,1,2]]"));
  CHECK(r.to_json({"a", "b", "c"})["classes"][0]["name"] == "a");
}

TEST_CASE("classification report rejects bad input", "[metrics]") {
  REQUIRE_THROWS_WITH(ClassificationReport(Matrix<int>(2, 3)), tinynet_test::contains("2x3"));
  REQUIRE_THROWS_WITH(ClassificationReport(Matrix<int>(0, 0)), tinynet_test::contains("non-empty"));
  Matrix<int> negative = Matrix<int>::Zero(2, 2);
  negative(0, 1) = -3;
  REQUIRE_THROWS_WITH(ClassificationReport(negative), tinynet_test::contains("negative count -3 at (0, 1)"));
  REQUIRE_THROWS_WITH(ClassificationReport(kTrue, kPredicted, 3, {"a", "b"}),
                      tinynet_test::contains("2 class names for 3"));
  const ClassificationReport r(kTrue, kPredicted, 3);
  REQUIRE_THROWS_WITH(r.to_string({"a"}), tinynet_test::contains("1 class names for 3"));
  REQUIRE_THROWS_WITH(ClassificationReport({0, 1}, {0, 5}, 3), tinynet_test::contains("predicted[1] = 5"));
}

TEST_CASE("argmax_columns turns probabilities into predicted classes", "[metrics]") {
  Matrix<float> p(3, 4);
  p << 0.7f, 0.1f, 0.2f, 0.3f,  //
      0.2f, 0.8f, 0.2f, 0.3f,   //
      0.1f, 0.1f, 0.6f, 0.4f;
  CHECK(tinynet::argmax_columns(p) == std::vector<int>{0, 1, 2, 2});
  const Matrix<double> one_hot = Matrix<double>::Identity(3, 3);
  const std::vector<int> truth = tinynet::argmax_columns(one_hot);
  CHECK(truth == std::vector<int>{0, 1, 2});
  // predictions straight from a model's output
  const ClassificationReport r({0, 1, 2, 1}, tinynet::argmax_columns(p), 3);
  CHECK(r.accuracy() == Catch::Approx(0.75).margin(1e-12));
  CHECK(r[1].recall == Catch::Approx(0.5).margin(1e-12));
}
