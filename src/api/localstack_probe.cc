#include "api/localstack_probe.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace vouch::api::localstack {

namespace {

constexpr std::string_view kHealth = "/_localstack/health";
constexpr std::string_view kInit = "/_localstack/init";

// The services vouch serves, by LocalStack's names for them.
constexpr std::array<std::string_view, 3> kServices = {"ses", "sesv2", "vpc-lattice"};

// LocalStack's init stages; every script stage but SHUTDOWN is done once
// vouch answers.
constexpr std::array<std::string_view, 4> kStages = {"BOOT", "START", "READY", "SHUTDOWN"};

http::Response json(int status, std::string body) {
  return http::Response{status, "application/json", {}, std::move(body)};
}

// Written with Python's separators (", " and ": "), as LocalStack's JSON is,
// so that scripts grepping for '"ses": "running"' find it.
std::string health_body(const std::string& version, bool store_ok) {
  std::string services;
  for (auto name : kServices) {
    services += (services.empty() ? "" : ", ") + std::string("\"") + std::string(name) + "\": \"" +
                (store_ok ? "running" : "error") + "\"";
  }
  return "{\"services\": {" + services + "}, \"edition\": \"community\", \"version\": \"" +
         version + "\"}";
}

std::string init_body() {
  std::string completed;
  for (auto stage : kStages) {
    completed += (completed.empty() ? "" : ", ") + std::string("\"") + std::string(stage) +
                 "\": " + (stage == "SHUTDOWN" ? "false" : "true");
  }
  return "{\"completed\": {" + completed + "}, \"scripts\": []}";
}

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

}  // namespace

bool owns(std::string_view path) {
  return path == kHealth || path == kInit || path.starts_with(std::string(kInit) + "/");
}

http::Response respond(std::string_view method, std::string_view path, const std::string& version,
                       bool store_ok) {
  if (method != "GET" && method != "HEAD") {
    return json(405, "{\"message\": \"Use GET.\"}");
  }
  if (path == kHealth) return json(200, health_body(version, store_ok));
  if (path == kInit) return json(200, init_body());
  const std::string stage = upper(path.substr(kInit.size() + 1));
  if (std::find(kStages.begin(), kStages.end(), stage) == kStages.end()) {
    return json(404, "{\"message\": \"no such stage\"}");
  }
  return json(200, std::string("{\"completed\": ") + (stage == "SHUTDOWN" ? "false" : "true") +
                       ", \"scripts\": []}");
}

}  // namespace vouch::api::localstack
