#include "cli/startup_errors.h"

namespace vouch::cli {

namespace {

bool has(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

}  // namespace

core::Error listen_error(const std::string& host, unsigned short port, core::Error e) {
  const std::string where = "--listen " + host + ":" + std::to_string(port);
  if (e.code == core::ErrorCode::kInvalidArgument) {
    e.message = where + ": '" + host +
                "' is not an IP address: give one such as 127.0.0.1, 0.0.0.0 or [::1]";
  } else if (has(e.message, "in use")) {
    e.message = where + ": the port is in use by another process: stop it (ss -ltnp shows "
                        "which) or choose another port";
  } else if (has(e.message, "assign requested address")) {
    e.message = where + ": no network interface of this host has the address " + host +
                ": choose one it has, or 0.0.0.0 for all";
  } else if (has(e.message, "ermission denied")) {
    e.message = where + ": permission denied: a port below 1024 needs CAP_NET_BIND_SERVICE; " +
                "choose a port from 1024 up";
  } else {
    e.message = where + ": " + e.message;
  }
  return e;
}

core::Error data_dir_error(const std::string& dir, core::Error e) {
  std::string hint;
  if (has(e.message, "in use by another vouch server")) {
    hint = "stop that server, or give this one another --data";
  } else if (has(e.message, "ermission denied") || has(e.message, "ead-only")) {
    hint = "run vouch as a user who may write there, or choose another --data";
  } else if (has(e.message, "not a database") || has(e.message, "malformed")) {
    hint = "the database is damaged: restore it from a backup, or move it away to start empty";
  } else if (has(e.message, "not a directory")) {
    hint = "--data names a directory (made when missing)";
  }
  e.message = "--data " + dir + ": " + e.message + (hint.empty() ? "" : " (" + hint + ")");
  return e;
}

}  // namespace vouch::cli
