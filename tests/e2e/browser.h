// Browser: Debian's headless Chromium driven through chromedriver over W3C WebDriver (HTTP on
// loopback), for the dashboard's end-to-end tests. Test-only; one thread.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api/http_client.h"
#include "tests/testutil/child_process.h"
#include "tests/testutil/run_command.h"

namespace converge::testutil {

class Browser {
 public:
  // Why a browser cannot run here ("" when it can): chromium or chromedriver missing.
  static std::string Unavailable();
  // Starts chromedriver and opens a session of a 1400×1000 headless window, its profile in a
  // folder of its own. nullptr (and a test failure naming why) when either fails.
  static std::unique_ptr<Browser> Start();
  ~Browser();

  bool Navigate(const std::string& url);
  // Runs `script` (a function body; `arguments` holds `args`) in the page and returns what it
  // returned; null when the call failed (a test failure says why).
  nlohmann::json Run(const std::string& script,
                     const nlohmann::json& args = nlohmann::json::array());
  // Polls `script` until it returns true, for at most `seconds`. False on timeout.
  bool WaitUntil(const std::string& script, double seconds = 10,
                 const nlohmann::json& args = nlohmann::json::array());
  // Waits for the page's router to report page `name` rendered (body[data-ready]).
  bool WaitForPage(const std::string& name, double seconds = 10);
  // A real click (WebDriver's element click) on the first element matching `css`.
  bool Click(const std::string& css);
  // Saves a PNG of the window to `path`.
  bool Screenshot(const std::string& path);
  // What chromedriver printed, for failure messages.
  std::string log() const { return driver_->log(); }

 private:
  Browser() = default;
  // One WebDriver call: its "value", or nullopt (and a test failure) for an error.
  std::optional<nlohmann::json> Call(const std::string& method, const std::string& path,
                      const nlohmann::json& body = nullptr);

  TempDir dir_;
  std::unique_ptr<ChildProcess> driver_;
  std::unique_ptr<api::HttpClient> client_;
  std::string session_;
};

}  // namespace converge::testutil
