// LocalStack's readiness endpoints, answered in LocalStack's shape for the
// test setups (compose health checks, testcontainers, scripts) that wait on
// them: GET|HEAD /_localstack/health, GET /_localstack/init[/{stage}].
#pragma once

#include <string>
#include <string_view>

#include "http/message.h"

namespace vouch::api::localstack {

bool owns(std::string_view path);

// `store_ok`: whether the store answers; the services are "running" when it
// does and "error" when not (LocalStack's state names), with 200 either way,
// as LocalStack answers.
http::Response respond(std::string_view method, std::string_view path, const std::string& version,
                       bool store_ok);

}  // namespace vouch::api::localstack
