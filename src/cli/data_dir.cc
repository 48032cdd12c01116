#include "cli/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cli/options.h"
#include "core/encoding.h"

namespace vouch::cli {

namespace {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Writes atomically (temp file, fsync, rename) with mode 0600.
core::Status write_private(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return core::internal_error("cannot write " + tmp + ": " + std::strerror(errno));
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return core::internal_error("cannot write " + path + ": " + std::strerror(errno));
  }
  // The rename is durable only once the directory is: a secret key lost to a
  // crash after the store used it would stop the next start.
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ok = dfd >= 0 && ::fsync(dfd) == 0;
  const int err = errno;
  if (dfd >= 0) ::close(dfd);
  if (!ok) return core::internal_error("cannot sync " + dir + ": " + std::strerror(err));
  return {};
}

std::string random_chars(core::Random& r, const char* alphabet, size_t alphabet_size, size_t n) {
  std::string out;
  while (out.size() < n) {
    uint8_t b = 0;
    r.fill(std::span(&b, 1));
    // Rejection sampling keeps the choice uniform.
    if (b < 256 - 256 % alphabet_size) out += alphabet[b % alphabet_size];
  }
  return out;
}

std::string field(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + "=", 0) == 0) return line.substr(name.size() + 1);
  }
  return "";
}

}  // namespace

core::Status ensure_data_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return core::internal_error("cannot create data directory " + dir + ": " +
                                std::strerror(errno));
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return core::invalid_argument(dir + " is not a directory");
  }
  return {};
}

core::Status lock_data_dir(const std::string& dir) {
  const std::string path = dir + "/vouch.lock";
  // Never closed: the lock lasts as long as the process, and dies with it.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return core::internal_error("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      // The holder wrote its pid: the operator can tell which process to stop.
      std::string holder = read_file(path).value_or("");
      while (!holder.empty() && (holder.back() == '\n' || holder.size() > 20)) holder.pop_back();
      const bool pid = !holder.empty() &&
                       holder.find_first_not_of("0123456789") == std::string::npos;
      return core::Error{core::ErrorCode::kConflict,
                         "data directory " + dir + " is in use by another vouch server" +
                             (pid ? " (pid " + holder + ")" : ""),
                         dir,
                         {}};
    }
    return core::internal_error("cannot lock " + path + ": " + std::strerror(err));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::write(fd, pid.data(), pid.size()) < 0) {
    return core::internal_error("cannot write " + path + ": " + std::strerror(errno));
  }
  return {};
}

core::Result<std::optional<RootCredentials>> root_from_env() {
  const char* key = std::getenv("VOUCH_ROOT_ACCESS_KEY_ID");
  const char* secret = std::getenv("VOUCH_ROOT_SECRET_ACCESS_KEY");
  const char* account = std::getenv("VOUCH_ROOT_ACCOUNT_ID");
  if (!key && !secret && !account) return std::optional<RootCredentials>();
  if (!key || !secret || !account) {
    return core::invalid_argument(
        "set all of VOUCH_ROOT_ACCESS_KEY_ID, VOUCH_ROOT_SECRET_ACCESS_KEY and "
        "VOUCH_ROOT_ACCOUNT_ID, or none");
  }
  RootCredentials root{{account, key, secret}, false, true};
  if (!valid_account_id(root.account.account_id)) {
    return core::invalid_argument("VOUCH_ROOT_ACCOUNT_ID must be 12 digits");
  }
  if (!valid_access_key_id(root.account.access_key_id) || root.account.secret_access_key.empty()) {
    return core::invalid_argument(
        "VOUCH_ROOT_ACCESS_KEY_ID must be 16-128 letters and digits, and the secret non-empty");
  }
  return std::optional<RootCredentials>(std::move(root));
}

RootCredentials generate_root(core::Random& random) {
  static constexpr char kUpper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  static constexpr char kSecret[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  static constexpr char kDigits[] = "0123456789";
  return RootCredentials{
      {random_chars(random, kDigits, 10, 12), "AKIA" + random_chars(random, kUpper, 32, 16),
       random_chars(random, kSecret, 64, 40)},
      true};
}

std::string root_credentials_text(const core::Account& root) {
  return "account_id=" + root.account_id + "\naccess_key_id=" + root.access_key_id +
         "\nsecret_access_key=" + root.secret_access_key + "\n";
}

std::optional<core::Account> parse_root_credentials(const std::string& text) {
  core::Account a{field(text, "account_id"), field(text, "access_key_id"),
                  field(text, "secret_access_key")};
  if (!valid_account_id(a.account_id) || a.secret_access_key.empty()) return std::nullopt;
  return a;
}

core::Result<RootCredentials> load_root(const std::string& dir, core::Random& random) {
  auto env = root_from_env();
  if (!env.ok()) return env.error();
  if (*env) return std::move(**env);
  const std::string path = dir + "/root-credentials";
  if (auto text = read_file(path)) {
    if (auto account = parse_root_credentials(*text)) return RootCredentials{*account, false};
    return core::invalid_argument(path + " is damaged; remove it to generate new root credentials");
  }
  RootCredentials root = generate_root(random);
  if (auto s = write_private(path, root_credentials_text(root.account)); !s.ok()) return s.error();
  return root;
}

core::Result<std::string> load_secret_key(const std::string& dir, core::Random& random,
                                          bool may_generate) {
  const std::string path = dir + "/secret.key";
  const std::string remedy = ": every verification link already mailed depends on it. Restore it "
                             "from a backup; or, to void those links, write a new key with "
                             "`(umask 077; head -c 32 /dev/urandom > " +
                             path + ")`";
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    auto text = S_ISREG(st.st_mode) ? read_file(path) : std::nullopt;
    if (!text) return core::internal_error("cannot read " + path);
    if (text->size() < 32) {
      return core::invalid_argument(path + " is damaged (" + std::to_string(text->size()) +
                                    " bytes, at least 32 expected)" + remedy);
    }
    return *text;
  }
  if (errno != ENOENT)
    return core::internal_error("cannot read " + path + ": " + std::strerror(errno));
  if (!may_generate) {
    return core::not_found(path + " is missing, but " + dir + "/vouch.db holds claims" + remedy);
  }
  std::string key(32, '\0');
  random.fill(std::span(reinterpret_cast<uint8_t*>(key.data()), key.size()));
  if (auto s = write_private(path, key); !s.ok()) return s.error();
  return key;
}

// One line: the clock's nanoseconds since the epoch.
core::Result<std::optional<core::TimePoint>> load_test_clock(const std::string& dir) {
  const std::string path = dir + "/test-clock";
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT)
      return core::internal_error("cannot read " + path + ": " + std::strerror(errno));
    return std::optional<core::TimePoint>();
  }
  auto text = read_file(path);
  if (!text) return core::internal_error("cannot read " + path);
  errno = 0;
  char* end = nullptr;
  const long long ns = std::strtoll(text->c_str(), &end, 10);
  if (errno != 0 || end == text->c_str() || (*end != '\n' && *end != '\0')) {
    return core::invalid_argument(path + " is damaged: expected the test clock in nanoseconds; "
                                         "remove it to restart the clock at the real time");
  }
  return std::optional<core::TimePoint>(core::TimePoint(core::TimePoint::duration(ns)));
}

core::Status save_test_clock(const std::string& dir, core::TimePoint now) {
  return write_private(dir + "/test-clock", std::to_string(now.time_since_epoch().count()) + "\n");
}

}  // namespace vouch::cli
