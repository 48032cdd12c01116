// What a refusal to start says: the culprit, then what to do.
#include "cli/startup_errors.h"

#include <gtest/gtest.h>

namespace vouch::cli {
namespace {

core::Error unavailable(const std::string& m) {
  return core::Error{core::ErrorCode::kUnavailable, m, {}, {}};
}

TEST(StartupErrors, ListenNamesTheAddressAndTheRemedy) {
  EXPECT_EQ(
      listen_error("127.0.0.1", 80, unavailable("cannot listen: Address already in use")).message,
      "--listen 127.0.0.1:80: the port is in use by another process: stop it (ss -ltnp "
      "shows which) or choose another port");
  EXPECT_EQ(listen_error("nowhere", 1, core::invalid_argument("invalid listen address")).message,
            "--listen nowhere:1: 'nowhere' is not an IP address: give one such as 127.0.0.1, "
            "0.0.0.0 or [::1]");
  EXPECT_EQ(listen_error("127.0.0.1", 80, unavailable("x: Permission denied")).message,
            "--listen 127.0.0.1:80: permission denied: a port below 1024 needs "
            "CAP_NET_BIND_SERVICE; choose a port from 1024 up");
  // Anything else keeps its text, with the flag in front; the code stays (exit 1).
  core::Error other = listen_error("::1", 9, unavailable("cannot listen: odd"));
  EXPECT_EQ(other.message, "--listen ::1:9: cannot listen: odd");
  EXPECT_EQ(other.code, core::ErrorCode::kUnavailable);
}

TEST(StartupErrors, DataDirNamesTheFlagAndTheRemedy) {
  EXPECT_EQ(data_dir_error("/d", core::internal_error("cannot open /d/vouch.db: file is not a "
                                                      "database"))
                .message,
            "--data /d: cannot open /d/vouch.db: file is not a database (the database is "
            "damaged: restore it from a backup, or move it away to start empty)");
  EXPECT_EQ(data_dir_error("/d", core::internal_error("cannot create data directory /d: "
                                                      "Permission denied"))
                .message,
            "--data /d: cannot create data directory /d: Permission denied (run vouch as a user "
            "who may write there, or choose another --data)");
  EXPECT_EQ(data_dir_error("/d", core::internal_error("something else")).message,
            "--data /d: something else");
}

}  // namespace
}  // namespace vouch::cli
