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
  http::HandlerResult handle(http::Request& req);

 private:
  http::HandlerResult start(const core::Scope& scope, const http::Request& req);
  http::HandlerResult list(const core::Scope& scope, const http::Request& req);
  http::HandlerResult get(const core::Scope& scope, const std::string& id);
  http::HandlerResult remove(const core::Scope& scope, const std::string& id);
  http::HandlerResult tag(const core::Scope& scope, const std::string& arn,
                          const http::Request& req);
  http::HandlerResult untag(const core::Scope& scope, const std::string& arn,
                            const http::Request& req);
  http::HandlerResult list_tags(const core::Scope& scope, const std::string& arn);

  service::LatticeService& service_;
  Authenticator& auth_;
};

}  // namespace vouch::api::lattice
