// Serve settings from three layers: the config file, the VOUCH_* environment
// and the command line. Each becomes flags placed before the command line's
// own, so parse_serve stays the one parser. Per key the highest layer wins
// whole: flags over environment over file, and a repeatable flag's list on
// a higher layer replaces a lower one's (it is not added to). --data and
// --store are one choice: setting either on a layer drops both below it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace vouch::cli {

struct Setting {
  std::string key;                  // a serve flag's name, without "--"
  std::vector<std::string> values;  // a switch: {"true"} or {"false"}
  std::string origin;               // "FILE:LINE", "VOUCH_LISTEN" or "command line"
};
using Settings = std::vector<Setting>;

// Reads an environment variable; nullptr when unset.
using EnvLookup = std::function<const char*(const char*)>;

// VOUCH_<FLAG> for every serve flag (VOUCH_DNS_RESOLVER, VOUCH_TEST_MODE=true);
// lists comma-separated; an empty variable counts as unset. Other VOUCH_*
// names (VOUCH_ROOT_*, VOUCH_NO_METRICS) are no flags and never read here.
core::Result<Settings> settings_from_env(const EnvLookup& env);

// The command line's serve flags, for precedence; a flag it cannot read is
// left to parse_serve to report.
Settings settings_from_args(const std::vector<std::string>& args);

// Per key, the highest layer's setting; in serve_flags() order.
Settings merge_settings(const Settings& file, const Settings& env, const Settings& command_line);

// The flags a setting stands for (a false switch: none).
void append_flags(const Setting& s, std::vector<std::string>* args);

// Takes --config FILE out of `args` (into `rest`); VOUCH_CONFIG when absent.
core::Result<std::optional<std::string>> take_config_flag(const std::vector<std::string>& args,
                                                          std::vector<std::string>* rest,
                                                          const EnvLookup& env);

// parse_serve's arguments: the file's and environment's settings as flags,
// then the command line's own. `effective` (if set) gets the merged settings.
core::Result<std::vector<std::string>> layered_serve_args(const std::vector<std::string>& args,
                                                          const EnvLookup& env,
                                                          Settings* effective = nullptr);

// When `error` (from checking all the flags) comes from one setting of the
// file or environment alone, the error with that setting's origin in front
// ("vouch.toml:3: ..."): `check` runs the same checks on that setting only.
core::Error blame_setting(
    const Settings& effective, core::Error error,
    const std::function<core::Status(const std::vector<std::string>&)>& check);

// One `key = value` line of TOML for `vouch config check`, with passwords
// in URLs and any secret-like key masked.
std::string setting_line(const Setting& s);

}  // namespace vouch::cli
