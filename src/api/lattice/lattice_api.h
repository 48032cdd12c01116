// VPC Lattice domain-verification API (restJson1): routes by method and path,
// authenticates, decodes JSON, calls one LatticeService operation, renders.
#pragma once

#include <string>

#include "api/authn.h"
#include "http/message.h"
#include "service/lattice_service.h"

namespace vouch::api::lattice {

class LatticeApi {
 public:
  LatticeApi(service::LatticeService& service, Authenticator& auth);

  // Whether `path` is one of this API's routes (any method).
  static bool owns(std::string_view path);
  http::Outcome handle(http::Request& req);

 private:
  http::Outcome start(const core::Scope& scope, const http::Request& req);
  http::Outcome list(const core::Scope& scope, const http::Request& req);
  http::Outcome get(const core::Scope& scope, const std::string& id);
  http::Outcome remove(const core::Scope& scope, const std::string& id);
  http::Outcome tag(const core::Scope& scope, const std::string& arn, const http::Request& req);
  http::Outcome untag(const core::Scope& scope, const std::string& arn, const http::Request& req);
  http::Outcome list_tags(const core::Scope& scope, const std::string& arn);

  service::LatticeService& service_;
  Authenticator& auth_;
};

}  // namespace vouch::api::lattice
