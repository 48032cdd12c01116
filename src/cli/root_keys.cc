#include "cli/root_keys.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace vouch::cli {

namespace {

constexpr const char* kRecord = "/root-key-id";
constexpr const char* kGenerated = "/root-credentials";

std::string line_value(const std::string& path, const std::string& prefix) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
  }
  return "";
}

std::string recorded_key(const std::string& dir) { return line_value(dir + kRecord, ""); }
std::string generated_key(const std::string& dir) {
  return line_value(dir + kGenerated, "access_key_id=");
}

core::Status write_record(const std::string& dir, const std::string& key) {
  const std::string path = dir + kRecord, tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const std::string text = key + "\n";
  bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return core::internal_error("cannot write " + path + ": " + std::strerror(errno));
  }
  return {};
}

}  // namespace

core::Result<std::vector<std::string>> retire_replaced_roots(const std::string& dir,
                                                             const RootCredentials& root,
                                                             core::Store& store) {
  const std::string& current = root.account.access_key_id;
  std::vector<std::string> retired;
  std::vector<std::string> old{recorded_key(dir)};
  if (root.from_env) old.push_back(generated_key(dir));  // VOUCH_ROOT_* over a generated root
  for (const auto& key : old) {
    if (key.empty() || key == current ||
        std::find(retired.begin(), retired.end(), key) != retired.end()) {
      continue;
    }
    auto deleted = store.delete_account(key);
    if (!deleted.ok()) {
      core::Error e = deleted.error();
      e.message = "cannot remove the replaced root key " + key + ": " + e.message;
      return e;
    }
    retired.push_back(key);
  }
  // Its key is gone: the file must not bring it back once VOUCH_ROOT_* are unset.
  if (root.from_env && ::unlink((dir + kGenerated).c_str()) != 0 && errno != ENOENT) {
    return core::internal_error("cannot remove " + dir + kGenerated + ": " + std::strerror(errno));
  }
  if (recorded_key(dir) != current) {
    if (auto s = write_record(dir, current); !s.ok()) return s.error();
  }
  return retired;
}

bool is_root_key(const std::string& dir, const std::string& key) {
  const char* env = std::getenv("VOUCH_ROOT_ACCESS_KEY_ID");
  return key == recorded_key(dir) || key == generated_key(dir) || (env && key == env);
}

}  // namespace vouch::cli
