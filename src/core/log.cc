#include "core/log.h"

#include "core/rfc3339.h"

namespace vouch::core {

namespace {

LogConfig& config() {
  static LogConfig c;
  return c;
}

// Invalid UTF-8 (a TXT record's bytes) must not make dump() throw.
std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warn") return LogLevel::kWarn;
  if (name == "error") return LogLevel::kError;
  return std::nullopt;
}

std::string_view log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "error";
}

void configure_log(LogConfig c) { config() = std::move(c); }

bool log_enabled(LogLevel level) { return config().sink && level >= config().level; }

bool log_fields_shown() { return config().format == LogFormat::kJson; }

std::string format_log_line(LogFormat format, std::optional<TimePoint> at, LogLevel level,
                            std::string_view event, std::string_view message,
                            const nlohmann::json& fields) {
  if (format == LogFormat::kText) return "vouch: " + std::string(message);
  nlohmann::json j = nlohmann::json::object();
  if (at) j["time"] = format_rfc3339(*at);
  j["level"] = log_level_name(level);
  j["event"] = event;
  j["message"] = message;
  if (fields.is_object()) {
    for (const auto& [k, v] : fields.items()) {
      if (!j.contains(k)) j[k] = v;
    }
  }
  return dump(j);
}

namespace {

// The lines of this thread's outermost LogBatch, if one lives.
thread_local std::string* batched = nullptr;
// A batch goes out before it grows past this, whatever its scope.
constexpr size_t kBatchBytes = 64 * 1024;

void emit(std::string line) {
  if (!batched) return config().sink(line);
  if (!batched->empty()) *batched += '\n';
  *batched += line;
  if (batched->size() >= kBatchBytes) {
    config().sink(*batched);
    batched->clear();
  }
}

}  // namespace

LogBatch::LogBatch() {
  if (!batched) batched = &lines_;
}

LogBatch::~LogBatch() {
  if (batched != &lines_) return;
  batched = nullptr;
  if (!lines_.empty() && config().sink) config().sink(lines_);
}

void log(LogLevel level, std::string_view event, std::string_view message,
         const nlohmann::json& fields) {
  if (!log_enabled(level)) return;
  const LogConfig& c = config();
  std::optional<TimePoint> at;
  if (c.clock) at = c.clock->now();
  emit(format_log_line(c.format, at, level, event, message, fields));
}

void log_json_line(const nlohmann::json& line) {
  if (config().sink) config().sink(dump(line));
}

}  // namespace vouch::core
