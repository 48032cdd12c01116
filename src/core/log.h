// One small logger for the whole process: levels, text or JSON lines. Core
// only formats; the composition root installs where lines go (stderr).
// Never pass a secret, token, signature, private key or header value here.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/clock.h"

namespace vouch::core {

enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class LogFormat { kText, kJson };

std::optional<LogLevel> parse_log_level(std::string_view name);
std::string_view log_level_name(LogLevel level);

struct LogConfig {
  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kText;
  const Clock* clock = nullptr;                     // the time of JSON lines; none: no "time"
  std::function<void(std::string_view line)> sink;  // none: lines are dropped
};

// Before any thread logs (the config is read without a lock).
void configure_log(LogConfig config);

bool log_enabled(LogLevel level);

// Whether lines show their fields (JSON lines): a caller on a hot path skips
// building fields that a text line would drop.
bool log_fields_shown();

// text: "vouch: <message>"; JSON: {"time","level","event","message", fields...}.
std::string format_log_line(LogFormat format, std::optional<TimePoint> at, LogLevel level,
                            std::string_view event, std::string_view message,
                            const nlohmann::json& fields);

// `event`: a stable name for machines ("check", "status_change", ...);
// `fields`: a JSON object of more, shown only in JSON lines.
void log(LogLevel level, std::string_view event, std::string_view message,
         const nlohmann::json& fields = nlohmann::json::object());

// A line that is JSON whatever the format (the access log), if a sink is set.
void log_json_line(const nlohmann::json& line);

// While one lives, this thread's log() lines go to the sink together when it
// ends (or every 64 KiB), as one string of lines: one write for a batch of
// recorded checks instead of one per status change. The outermost one on a
// thread holds the lines.
class LogBatch {
 public:
  LogBatch();
  ~LogBatch();
  LogBatch(const LogBatch&) = delete;
  LogBatch& operator=(const LogBatch&) = delete;

 private:
  std::string lines_;
};

}  // namespace vouch::core
