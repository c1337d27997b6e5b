#include "experiments/toy/toy_outputs.hpp"

#include <cstdio>
#include <sstream>

#include "nn/io/atomic_file.hpp"
#include "pivot/metrics.hpp"

namespace toy {
namespace {

constexpr std::size_t histogram_bins = 50;

// Formats a double with 9 significant digits, enough for plotting.
std::string format(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.9g", value);
  return buffer;
}

}  // namespace

autodiff::Matrix SurfaceGrid::inputs() const {
  autodiff::Matrix grid({points * points, std::size_t{2}});
  const double step = 1.0 / static_cast<double>(points - 1);
  for (std::size_t i = 0; i < points; ++i) {
    for (std::size_t j = 0; j < points; ++j) {
      grid(i * points + j, 0) =
          static_cast<autodiff::Scalar>(-1.0 + 3.0 * step * static_cast<double>(i));
      grid(i * points + j, 1) =
          static_cast<autodiff::Scalar>(-1.0 + 4.0 * step * static_cast<double>(j));
    }
  }
  return grid;
}

ClassifierReport measure(pivot::Classifier& classifier, pivot::PivotTrainer& trainer,
                         const nn::Dataset& validation, const NuisanceSamples& samples,
                         const SurfaceGrid& grid, double lambda) {
  ClassifierReport report;
  report.validation = trainer.evaluate(validation, lambda);

  const autodiff::Matrix validation_scores = classifier.predict(validation.X);  // [n, 1]
  report.auc = pivot::roc_auc(pivot::column_span(validation_scores),
                              pivot::column_span(validation.y),
                              pivot::column_span(validation.weights));

  std::vector<autodiff::Matrix> scores;
  for (const auto& dataset : samples.datasets) {
    scores.push_back(classifier.predict(dataset.X));
    const auto histogram =
        pivot::histogram_density(pivot::column_span(scores.back()), histogram_bins, 0.0, 1.0);
    report.histogram_densities.push_back(histogram.density);
    report.histogram_edges = histogram.edges;
  }
  // KS between the extreme nuisance values, Z = -1 and Z = +1.
  report.ks =
      pivot::ks_distance(pivot::column_span(scores.front()), pivot::column_span(scores.back()));

  const autodiff::Matrix surface = classifier.predict(grid.inputs());
  report.surface.assign(surface.begin(), surface.end());
  return report;
}

void write_histograms(const std::filesystem::path& folder, const NuisanceSamples& samples,
                      const ClassifierReport& plain, const ClassifierReport& pivoted) {
  std::ostringstream csv;
  csv << "model,z,bin_low,bin_high,density\n";
  const std::pair<const char*, const ClassifierReport*> models[] = {{"plain", &plain},
                                                                    {"pivot", &pivoted}};
  for (const auto& [name, report] : models) {
    for (std::size_t k = 0; k < samples.z_values.size(); ++k) {
      const auto& density = report->histogram_densities[k];
      for (std::size_t bin = 0; bin < density.size(); ++bin) {
        csv << name << ',' << format(samples.z_values[k]) << ','
            << format(report->histogram_edges[bin]) << ','
            << format(report->histogram_edges[bin + 1]) << ',' << format(density[bin]) << '\n';
      }
    }
  }
  nn::write_file_atomically(folder / "histograms.csv", csv.str());
}

void write_surface(const std::filesystem::path& folder, const std::string& name,
                   const SurfaceGrid& grid, const ClassifierReport& report) {
  const autodiff::Matrix inputs = grid.inputs();
  std::ostringstream csv;
  csv << "x1,x2,score\n";
  for (std::size_t row = 0; row < inputs.shape(0); ++row) {
    csv << format(inputs(row, 0)) << ',' << format(inputs(row, 1)) << ','
        << format(report.surface[row]) << '\n';
  }
  nn::write_file_atomically(folder / ("decision_surface_" + name + ".csv"), csv.str());
}

void write_training_curves(const std::filesystem::path& folder, const pivot::Losses& pretrained,
                           const std::vector<pivot::IterationRecord>& history) {
  std::ostringstream csv;
  csv << "iteration,L_f,L_r,L_f_minus_lambda_L_r\n";
  csv << 0 << ',' << format(pretrained.L_f) << ',' << format(pretrained.L_r) << ','
      << format(pretrained.value) << '\n';
  for (const auto& record : history) {
    csv << record.iteration << ',' << format(record.validation.L_f) << ','
        << format(record.validation.L_r) << ',' << format(record.validation.value) << '\n';
  }
  nn::write_file_atomically(folder / "training_curves.csv", csv.str());
}

nlohmann::json to_json(const ClassifierReport& report) {
  return {{"L_f", report.validation.L_f},
          {"L_r", report.validation.L_r},
          {"L_f_minus_lambda_L_r", report.validation.value},
          {"auc", report.auc},
          {"ks", report.ks}};
}

}  // namespace toy
