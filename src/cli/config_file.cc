#include "cli/config_file.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

// Header-only: the binary needs no libtomlplusplus at run time.
#define TOML_HEADER_ONLY 1
#define TOML_ENABLE_FORMATTERS 0
#include <toml++/toml.h>

#include "cli/serve_flags.h"

namespace vouch::cli {

namespace {

constexpr size_t kMaxFileBytes = 1 << 20;
constexpr size_t kMaxValues = 1000;  // per key

std::string where(const std::string& path, const toml::source_region& at) {
  return path + ":" + std::to_string(at.begin.line);
}

// A scalar as the flag's text; nullopt for anything else.
std::optional<std::string> scalar(const toml::node& n) {
  if (auto s = n.as_string()) return s->get();
  if (auto i = n.as_integer()) return std::to_string(i->get());
  if (auto f = n.as_floating_point()) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, f->get());
    if (ec != std::errc()) return std::nullopt;
    return std::string(buf, end);
  }
  return std::nullopt;
}

const char* wants(FlagKind kind) {
  switch (kind) {
    case FlagKind::kSwitch: return "true or false";
    case FlagKind::kValue: return "a string or a number";
    case FlagKind::kCommaList: return "a string or an array of strings";
    case FlagKind::kRepeated: return "a string, a number, an array of them or a table";
  }
  return "";
}

// The node's values for a flag of `kind`; false when its type does not fit.
bool values_of(const toml::node& n, FlagKind kind, std::vector<std::string>* out) {
  if (kind == FlagKind::kSwitch) {
    auto b = n.as_boolean();
    if (!b) return false;
    out->push_back(b->get() ? "true" : "false");
    return true;
  }
  if (auto v = scalar(n)) {
    out->push_back(*v);
    return true;
  }
  if (kind == FlagKind::kValue) return false;
  if (auto array = n.as_array()) {
    std::string joined;
    for (const auto& item : *array) {
      auto v = scalar(item);
      if (!v || out->size() >= kMaxValues) return false;
      if (kind == FlagKind::kCommaList) joined += (joined.empty() ? "" : ",") + *v;
      else out->push_back(*v);
    }
    if (kind == FlagKind::kCommaList) out->push_back(joined);
    return true;
  }
  // rate-limit = { SendEmail = 5 }: each entry is NAME=VALUE.
  if (auto table = n.as_table(); table && kind == FlagKind::kRepeated) {
    for (const auto& [name, value] : *table) {
      auto v = scalar(value);
      if (!v || out->size() >= kMaxValues) return false;
      out->push_back(std::string(name.str()) + "=" + *v);
    }
    return true;
  }
  return false;
}

}  // namespace

core::Result<Settings> parse_config_text(const std::string& text, const std::string& path) {
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    return core::invalid_argument(path + ":" + std::to_string(at.line) + ":" +
                                  std::to_string(at.column) + ": " + std::string(e.description()));
  }
  Settings out;
  for (const auto& [key, node] : root) {
    const std::string name(key.str());
    const FlagSpec* spec = find_serve_flag(name);
    if (!spec) {
      std::string close = closest_serve_flag(name);
      return core::invalid_argument(where(path, key.source()) + ": unknown key '" + name + "'" +
                                    (close.empty() ? "" : " (did you mean '" + close + "'?)") +
                                    "; keys are vouch serve's flags without --");
    }
    Setting s{name, {}, where(path, key.source())};
    if (!values_of(node, spec->kind, &s.values)) {
      return core::invalid_argument(where(path, node.source()) + ": key '" + name + "' needs " +
                                    wants(spec->kind) +
                                    (spec->kind == FlagKind::kSwitch ? "" : " (at most 1000)"));
    }
    out.push_back(std::move(s));
  }
  return out;
}

core::Result<Settings> read_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return core::invalid_argument("cannot read --config " + path + ": " + std::strerror(errno));
  }
  std::string text(kMaxFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) {
    return core::invalid_argument("cannot read --config " + path + ": " + std::strerror(errno));
  }
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxFileBytes) {
    return core::invalid_argument("--config " + path + " is larger than 1 MiB");
  }
  return parse_config_text(text, path);
}

}  // namespace vouch::cli
