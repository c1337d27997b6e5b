#pragma once

// What the toy experiment measures on a trained classifier, and the files it
// writes. Kept apart from main.cpp so that the experiment reads as its steps.

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nn/data/dataset.hpp"
#include "pivot/classifier.hpp"
#include "pivot/trainer.hpp"

namespace toy {

// Score samples at fixed nuisance values Z = -1, 0, +1.
struct NuisanceSamples {
  std::vector<double> z_values;       // {-1, 0, 1}
  std::vector<nn::Dataset> datasets;  // one per value
};

// Independence and accuracy of one classifier, with the curves to draw.
struct ClassifierReport {
  pivot::Losses validation;              // L_f, L_r and L_f - lambda L_r
  double auc = 0.0;                      // ROC AUC on the validation set
  double ks = 0.0;                       // KS distance of scores at Z = -1 and Z = +1
  std::vector<std::vector<double>> histogram_densities;  // per z value, 50 bins on [0, 1]
  std::vector<double> histogram_edges;   // 51 edges
  std::vector<double> surface;           // scores on the decision grid, row-major in x2
};

// The decision-surface grid: x1 in [-1, 2] and x2 in [-1, 3], `points` per axis.
struct SurfaceGrid {
  std::size_t points = 101;
  autodiff::Matrix inputs() const;  // [points^2, 2], x1 outer, x2 inner
};

// Measures `classifier` on the validation set and the nuisance samples.
ClassifierReport measure(pivot::Classifier& classifier, pivot::PivotTrainer& trainer,
                         const nn::Dataset& validation, const NuisanceSamples& samples,
                         const SurfaceGrid& grid, double lambda);

// Writes histograms.csv with the plain and pivoted densities.
void write_histograms(const std::filesystem::path& folder, const NuisanceSamples& samples,
                      const ClassifierReport& plain, const ClassifierReport& pivoted);

// Writes decision_surface_<name>.csv: x1, x2 and the score on the grid.
void write_surface(const std::filesystem::path& folder, const std::string& name,
                   const SurfaceGrid& grid, const ClassifierReport& report);

// Writes training_curves.csv: validation L_f, L_r and L_f - lambda L_r per
// iteration, with iteration 0 holding the losses after pretraining.
void write_training_curves(const std::filesystem::path& folder, const pivot::Losses& pretrained,
                           const std::vector<pivot::IterationRecord>& history);

// The JSON object of one classifier in summary.json.
nlohmann::json to_json(const ClassifierReport& report);

}  // namespace toy
