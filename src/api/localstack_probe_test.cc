// LocalStack's readiness endpoints: the shape LocalStack answers in.
#include "api/localstack_probe.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace vouch::api::localstack {
namespace {

TEST(LocalStackProbe, OwnsItsPathsOnly) {
  EXPECT_TRUE(owns("/_localstack/health"));
  EXPECT_TRUE(owns("/_localstack/init"));
  EXPECT_TRUE(owns("/_localstack/init/ready"));
  EXPECT_FALSE(owns("/_localstack/healthz"));
  EXPECT_FALSE(owns("/_localstack/initx"));
  EXPECT_FALSE(owns("/_localstack/info"));
}

TEST(LocalStackProbe, HealthListsTheServicesRunning) {
  http::Response r = respond("GET", "/_localstack/health", "1.2.3", true);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body, nlohmann::json::parse(R"({"services": {"ses": "running", "sesv2": "running",
      "vpc-lattice": "running"}, "edition": "community", "version": "1.2.3"})"));
  // Python's separators, as LocalStack writes them, for scripts that grep.
  EXPECT_NE(r.body.find(R"("ses": "running")"), std::string::npos) << r.body;
}

TEST(LocalStackProbe, HealthSaysErrorWhenTheStoreDoesNotAnswer) {
  http::Response r = respond("GET", "/_localstack/health", "1.2.3", false);
  EXPECT_EQ(r.status, 200);
  auto services = nlohmann::json::parse(r.body).at("services");
  EXPECT_EQ(services.at("ses"), "error");
  EXPECT_EQ(services.at("vpc-lattice"), "error");
}

TEST(LocalStackProbe, InitStagesAreCompletedButShutdown) {
  auto all = nlohmann::json::parse(respond("GET", "/_localstack/init", "v", true).body);
  EXPECT_EQ(all.at("completed"), nlohmann::json::parse(
                                     R"({"BOOT": true, "START": true, "READY": true,
                                         "SHUTDOWN": false})"));
  EXPECT_EQ(all.at("scripts"), nlohmann::json::array());
  http::Response ready = respond("GET", "/_localstack/init/ready", "v", true);
  EXPECT_EQ(ready.status, 200);
  EXPECT_NE(ready.body.find(R"("completed": true)"), std::string::npos) << ready.body;
  EXPECT_EQ(nlohmann::json::parse(respond("GET", "/_localstack/init/SHUTDOWN", "v", true).body)
                .at("completed"),
            false);
  EXPECT_EQ(respond("GET", "/_localstack/init/nope", "v", true).status, 404);
}

TEST(LocalStackProbe, OnlyGetAndHead) {
  EXPECT_EQ(respond("HEAD", "/_localstack/health", "v", true).status, 200);
  // LocalStack's POST restarts or kills it; vouch has no such backdoor.
  EXPECT_EQ(respond("POST", "/_localstack/health", "v", true).status, 405);
  EXPECT_EQ(respond("PUT", "/_localstack/health", "v", true).status, 405);
}

}  // namespace
}  // namespace vouch::api::localstack
