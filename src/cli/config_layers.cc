#include "cli/config_layers.h"

#include <algorithm>
#include <cctype>

#include "cli/config_file.h"
#include "cli/serve_flags.h"
#include "cli/store_factory.h"

namespace vouch::cli {

namespace {

std::optional<bool> parse_switch(std::string v) {
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  if (v == "1" || v == "true" || v == "yes" || v == "on") return true;
  if (v == "0" || v == "false" || v == "no" || v == "off") return false;
  return std::nullopt;
}

std::vector<std::string> split_commas(const std::string& v) {
  std::vector<std::string> out;
  for (size_t start = 0, end = 0; end != std::string::npos; start = end + 1) {
    end = v.find(',', start);
    std::string item = v.substr(start, end - start);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(std::move(item));
  }
  return out;
}

bool is_store_choice(const std::string& key) { return key == "data" || key == "store"; }

// TOML's basic string: quotes, backslashes and control characters escaped.
std::string quoted(const std::string& v) {
  std::string out = "\"";
  for (unsigned char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      static const char* hex = "0123456789ABCDEF";
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

bool secret_like(const std::string& key) {
  for (const char* word : {"secret", "password", "token", "credential"}) {
    if (key.find(word) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

core::Result<Settings> settings_from_env(const EnvLookup& env) {
  Settings out;
  for (const auto& spec : serve_flags()) {
    const std::string name = env_name(spec.name);
    const char* raw = env(name.c_str());
    if (!raw || !*raw) continue;
    Setting s{std::string(spec.name), {}, name};
    if (spec.kind == FlagKind::kSwitch) {
      auto on = parse_switch(raw);
      if (!on) {
        return core::invalid_argument(name + " must be true or false (or 1/0, yes/no), got '" +
                                      std::string(raw) + "'");
      }
      s.values = {*on ? "true" : "false"};
    } else if (spec.kind == FlagKind::kRepeated) {
      s.values = split_commas(raw);
    } else {
      s.values = {raw};
    }
    out.push_back(std::move(s));
  }
  return out;
}

Settings settings_from_args(const std::vector<std::string>& args) {
  Settings out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0) continue;
    const auto eq = a.find('=');
    const FlagSpec* spec = find_serve_flag(std::string_view(a).substr(2, eq - 2));
    if (!spec) continue;
    std::string value = "true";
    if (spec->kind != FlagKind::kSwitch) {
      if (eq != std::string::npos) value = a.substr(eq + 1);
      else if (i + 1 < args.size()) value = args[++i];
      else continue;
    }
    auto same = std::find_if(out.begin(), out.end(), [&](auto& s) { return s.key == spec->name; });
    if (same == out.end()) {
      out.push_back({std::string(spec->name), {value}, "command line"});
    } else if (spec->kind == FlagKind::kRepeated) {
      same->values.push_back(value);
    } else {
      same->values = {value};  // the parser's rule: the last one wins
    }
  }
  return out;
}

Settings merge_settings(const Settings& file, const Settings& env, const Settings& command_line) {
  Settings merged;
  for (const Settings* layer : {&file, &env, &command_line}) {
    for (const auto& s : *layer) {
      std::erase_if(merged, [&](const Setting& m) {
        return m.key == s.key || (is_store_choice(s.key) && is_store_choice(m.key));
      });
    }
    merged.insert(merged.end(), layer->begin(), layer->end());
  }
  auto rank = [](const Setting& s) {
    auto flags = serve_flags();
    return std::find_if(flags.begin(), flags.end(), [&](auto& f) { return f.name == s.key; }) -
           flags.begin();
  };
  std::stable_sort(merged.begin(), merged.end(),
                   [&](const Setting& a, const Setting& b) { return rank(a) < rank(b); });
  return merged;
}

void append_flags(const Setting& s, std::vector<std::string>* args) {
  const FlagSpec* spec = find_serve_flag(s.key);
  if (spec && spec->kind == FlagKind::kSwitch) {
    if (!s.values.empty() && s.values.back() == "true") args->push_back("--" + s.key);
    return;
  }
  for (const auto& v : s.values) args->push_back("--" + s.key + "=" + v);
}

core::Result<std::optional<std::string>> take_config_flag(const std::vector<std::string>& args,
                                                          std::vector<std::string>* rest,
                                                          const EnvLookup& env) {
  std::optional<std::string> path;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" || args[i].rfind("--config=", 0) == 0) {
      if (args[i].size() > 8) path = args[i].substr(9);
      else if (i + 1 < args.size()) path = args[++i];
      else return core::invalid_argument("--config needs a file");
      if (path->empty()) return core::invalid_argument("--config needs a file");
      continue;
    }
    rest->push_back(args[i]);
  }
  if (!path) {
    if (const char* e = env("VOUCH_CONFIG"); e && *e) path = e;
  }
  return path;
}

core::Result<std::vector<std::string>> layered_serve_args(const std::vector<std::string>& args,
                                                          const EnvLookup& env,
                                                          Settings* effective) {
  std::vector<std::string> own;
  auto config = take_config_flag(args, &own, env);
  if (!config.ok()) return config.error();
  Settings file;
  if (*config) {
    auto read = read_config_file(**config);
    if (!read.ok()) return read.error();
    file = std::move(*read);
  }
  auto from_env = settings_from_env(env);
  if (!from_env.ok()) return from_env.error();
  const Settings command_line = settings_from_args(own);
  Settings merged = merge_settings(file, *from_env, command_line);
  std::vector<std::string> out;
  for (const auto& s : merged) {
    if (s.origin != "command line") append_flags(s, &out);
  }
  out.insert(out.end(), own.begin(), own.end());
  if (effective) *effective = std::move(merged);
  return out;
}

core::Error blame_setting(
    const Settings& effective, core::Error error,
    const std::function<core::Status(const std::vector<std::string>&)>& check) {
  for (const auto& s : effective) {
    if (s.origin == "command line") continue;
    std::vector<std::string> alone;
    append_flags(s, &alone);
    if (auto status = check(alone); !status.ok() && status.error().message == error.message) {
      error.message = s.origin + " (" + s.key + "): " + error.message;
      return error;
    }
  }
  return error;
}

std::string setting_line(const Setting& s) {
  const FlagSpec* spec = find_serve_flag(s.key);
  auto shown = [&](const std::string& v) {
    return quoted(secret_like(s.key) ? std::string("****") : redact_store_url(v));
  };
  std::string value;
  if (spec && spec->kind == FlagKind::kSwitch) {
    value = s.values.empty() ? "false" : s.values.back();
  } else if (spec && spec->kind == FlagKind::kRepeated) {
    value = "[";
    for (size_t i = 0; i < s.values.size(); ++i) value += (i ? ", " : "") + shown(s.values[i]);
    value += "]";
  } else {
    value = shown(s.values.empty() ? std::string() : s.values.back());
  }
  return s.key + " = " + value + "  # " + s.origin;
}

}  // namespace vouch::cli
