#include "tests/e2e/browser.h"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <thread>

#include <boost/beast/core/detail/base64.hpp>
#include <gtest/gtest.h>

namespace converge::testutil {
namespace {

constexpr const char* kChromium = "/usr/bin/chromium";
constexpr const char* kChromedriver = "/usr/bin/chromedriver";

}  // namespace

std::string Browser::Unavailable() {
  if (::access(kChromium, X_OK) != 0) return "Debian's chromium is not installed";
  if (::access(kChromedriver, X_OK) != 0) return "Debian's chromium-driver is not installed";
  return "";
}

std::unique_ptr<Browser> Browser::Start() {
  std::unique_ptr<Browser> browser(new Browser());
  const int port = FreeLoopbackPort();
  browser->driver_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{kChromedriver, "--port=" + std::to_string(port),
                               "--allowed-ips=127.0.0.1"},
      browser->dir_.path() + "/chromedriver.log");
  const api::Address address{.kind = api::Address::Kind::kTcp, .host = "127.0.0.1", .port = port};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    auto client = api::HttpClient::Connect(address, "");
    if (client.ok()) {
      Result<api::HttpResponse> status = (*client)->Call("GET", "/status");
      if (status.ok() && status->status == 200) {
        browser->client_ = std::move(client).value();
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!browser->client_) {
    ADD_FAILURE() << "chromedriver did not answer on port " << port << ":\n" << browser->log();
    return nullptr;
  }
  const nlohmann::json capabilities = {
      {"capabilities",
       {{"alwaysMatch",
         {{"browserName", "chrome"},
          {"goog:chromeOptions",
           {{"binary", kChromium},
            {"args",
             {"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1400,1000", "--no-first-run", "--disable-extensions",
              "--user-data-dir=" + browser->dir_.path() + "/profile"}}}}}}}}};
  std::optional<nlohmann::json> session = browser->Call("POST", "/session", capabilities);
  if (!session || !session->contains("sessionId")) return nullptr;
  browser->session_ = (*session)["sessionId"];
  // Scripts may wait for a page's own fetches (WaitUntil polls instead of long scripts).
  browser->Call("POST", "/session/" + browser->session_ + "/timeouts",
                {{"script", 10000}, {"pageLoad", 20000}});
  return browser;
}

Browser::~Browser() {
  if (!session_.empty() && client_) client_->Call("DELETE", "/session/" + session_);
}

std::optional<nlohmann::json> Browser::Call(const std::string& method, const std::string& path,
                                            const nlohmann::json& body) {
  Result<api::HttpResponse> response =
      client_->Call(method, path, body.is_null() ? "" : body.dump());
  if (!response.ok()) {
    ADD_FAILURE() << "WebDriver " << method << " " << path << ": "
                  << response.status().ToString() << "\n" << log();
    return std::nullopt;
  }
  nlohmann::json answer = nlohmann::json::parse(response->body, nullptr, false);
  if (response->status != 200 || !answer.is_object()) {
    ADD_FAILURE() << "WebDriver " << method << " " << path << " answered " << response->status
                  << ": " << response->body.substr(0, 2000);
    return std::nullopt;
  }
  return answer.value("value", nlohmann::json());
}

bool Browser::Navigate(const std::string& url) {
  return Call("POST", "/session/" + session_ + "/url", {{"url", url}}).has_value();
}

nlohmann::json Browser::Run(const std::string& script, const nlohmann::json& args) {
  return Call("POST", "/session/" + session_ + "/execute/sync",
              {{"script", script}, {"args", args}})
      .value_or(nullptr);
}

bool Browser::WaitUntil(const std::string& script, double seconds, const nlohmann::json& args) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (Run(script, args) == true) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

bool Browser::WaitForPage(const std::string& name, double seconds) {
  return WaitUntil("return document.body.dataset.ready === arguments[0];", seconds, {name});
}

bool Browser::Click(const std::string& css) {
  std::optional<nlohmann::json> element = Call("POST", "/session/" + session_ + "/element",
                                               {{"using", "css selector"}, {"value", css}});
  if (!element || !element->is_object() || element->empty()) return false;
  const std::string id = element->begin().value();
  return Call("POST", "/session/" + session_ + "/element/" + id + "/click",
              nlohmann::json::object())
      .has_value();
}

bool Browser::Screenshot(const std::string& path) {
  std::optional<nlohmann::json> png = Call("GET", "/session/" + session_ + "/screenshot");
  if (!png || !png->is_string()) return false;
  const std::string text = *png;
  std::string bytes(boost::beast::detail::base64::decoded_size(text.size()), '\0');
  const auto [written, read] =
      boost::beast::detail::base64::decode(bytes.data(), text.data(), text.size());
  bytes.resize(written);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  return static_cast<bool>(out);
}

}  // namespace converge::testutil
