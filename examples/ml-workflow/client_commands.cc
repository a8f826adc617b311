// `converge-ml train|predict|observe`: one request each to the service at --url
// (POST /api/train, /api/predict, /api/observe; see ml_json.h for the bodies).
#include <cstdio>
#include <memory>
#include <string>

#include "examples/ml-workflow/commands.h"
#include "examples/ml-workflow/ml_client.h"
#include "examples/ml-workflow/ml_json.h"

namespace converge::ml {
namespace {

struct ClientFlags {
  std::string url;
  SimFeatures features;
  double seconds = 0;    // train
  double predicted = 0;  // observe
  double actual = 0;     // observe
};

int Fail(const char* command, const Status& status) {
  std::fprintf(stderr, "converge-ml %s: %s\n", command, status.ToString().c_str());
  return 1;
}

// Connects and sends one request; prints errors as `command`.
Result<nlohmann::json> Send(const char* command, const std::string& url, const std::string& path,
                            const nlohmann::json& body) {
  Result<std::unique_ptr<MlClient>> client = MlClient::Connect(url);
  if (!client.ok()) return client.status();
  return (*client)->Call("POST", path, body);
}

int Train(const ClientFlags& flags) {
  const nlohmann::json body = {
      {"samples", {{{"features", FeaturesToJson(flags.features)}, {"value", flags.seconds}}}}};
  Result<nlohmann::json> answer = Send("train", flags.url, "/api/train", body);
  if (!answer.ok()) return Fail("train", answer.status());
  std::printf("samples=%s\n", answer->value("samples", nlohmann::json()).dump().c_str());
  return 0;
}

int Predict(const ClientFlags& flags) {
  const nlohmann::json body = {{"features", {FeaturesToJson(flags.features)}}};
  Result<nlohmann::json> answer = Send("predict", flags.url, "/api/predict", body);
  if (!answer.ok()) return Fail("predict", answer.status());
  const nlohmann::json predictions = answer->value("predictions", nlohmann::json());
  if (!predictions.is_array() || predictions.size() != 1 || !predictions[0].is_number()) {
    return Fail("predict", Status(Code::kInternal, "the answer has no prediction", "predictions"));
  }
  std::printf("%.3f\n", predictions[0].get<double>());
  return 0;
}

int Observe(const ClientFlags& flags) {
  const nlohmann::json body = {{"features", FeaturesToJson(flags.features)},
                               {"predicted", flags.predicted},
                               {"actual", flags.actual}};
  Result<nlohmann::json> answer = Send("observe", flags.url, "/api/observe", body);
  if (!answer.ok()) return Fail("observe", answer.status());
  return 0;
}

// Adds --url and the feature flags shared by every client command.
CLI::App* AddClient(CLI::App& app, const char* name, const char* description,
                    const std::shared_ptr<ClientFlags>& flags) {
  CLI::App* command = app.add_subcommand(name, description);
  command->add_option("--url", flags->url, "The service, e.g. http://127.0.0.1:23456")
      ->required()
      ->envname("CONVERGE_SERVICE_ML_URL");
  command->add_option("--x", flags->features.x, "Box size along x (lattice units)")
      ->required()
      ->check(CLI::PositiveNumber);
  command->add_option("--y", flags->features.y, "Box size along y")
      ->required()
      ->check(CLI::PositiveNumber);
  command->add_option("--z", flags->features.z, "Box size along z")
      ->required()
      ->check(CLI::PositiveNumber);
  command->add_option("--ranks", flags->features.ranks, "MPI ranks (default 1)")
      ->check(CLI::PositiveNumber);
  return command;
}

}  // namespace

void AddClientCommands(CLI::App& app, int* exit_code) {
  auto train_flags = std::make_shared<ClientFlags>();
  CLI::App* train =
      AddClient(app, "train", "Add one measured run to the training set", train_flags);
  train->add_option("--seconds", train_flags->seconds, "Measured wall time")
      ->required()
      ->check(CLI::PositiveNumber);
  train->callback([=] { *exit_code = Train(*train_flags); });

  auto predict_flags = std::make_shared<ClientFlags>();
  CLI::App* predict =
      AddClient(app, "predict", "Print the predicted wall time in seconds", predict_flags);
  predict->callback([=] { *exit_code = Predict(*predict_flags); });

  auto observe_flags = std::make_shared<ClientFlags>();
  CLI::App* observe =
      AddClient(app, "observe", "Record a test run: predicted vs actual", observe_flags);
  observe->add_option("--predicted", observe_flags->predicted, "Predicted seconds")
      ->required()
      ->check(CLI::NonNegativeNumber);
  observe->add_option("--actual", observe_flags->actual, "Measured seconds")
      ->required()
      ->check(CLI::PositiveNumber);
  observe->callback([=] { *exit_code = Observe(*observe_flags); });
}

}  // namespace converge::ml
