#include "auth/auth_errors.h"

namespace vouch::auth {

WireAuthError to_query_error(const AuthError& e) {
  switch (e.kind) {
    case Failure::kMissing:
      return {"MissingAuthenticationToken", 403, "Request is missing Authentication Token"};
    case Failure::kIncomplete: return {"IncompleteSignature", 400, e.message};
    case Failure::kUnknownKey: return {"InvalidClientTokenId", 403, e.message};
    // As SES answers any other 5xx; the cause stays in the log.
    case Failure::kLookupUnavailable:
      return {"ServiceUnavailable", 503, "Service is unable to handle request."};
    case Failure::kLookupFailed:
      return {"InternalFailure", 500,
              "The request processing has failed because of an unknown error."};
    case Failure::kMismatch:
    case Failure::kExpired:
    case Failure::kNotYetCurrent:
    case Failure::kWrongService:
    case Failure::kWrongRegion: break;
  }
  return {"SignatureDoesNotMatch", 403, e.message};
}

WireAuthError to_rest_json_error(const AuthError& e) {
  switch (e.kind) {
    case Failure::kMissing:
      return {"MissingAuthenticationTokenException", 403, "Missing Authentication Token"};
    case Failure::kIncomplete: return {"IncompleteSignatureException", 403, e.message};
    case Failure::kUnknownKey: return {"UnrecognizedClientException", 403, e.message};
    case Failure::kLookupUnavailable:
    case Failure::kLookupFailed:
      return {"InternalServerException", 500, "An internal error occurred."};
    case Failure::kMismatch:
    case Failure::kExpired:
    case Failure::kNotYetCurrent:
    case Failure::kWrongService:
    case Failure::kWrongRegion: break;
  }
  return {"InvalidSignatureException", 403, e.message};
}

}  // namespace vouch::auth
