#include "cli/log_setup.h"

#include <cstdio>
#include <mutex>

namespace vouch::cli {

core::Result<LogOptions> parse_log_options(const std::vector<std::string>& args,
                                           std::vector<std::string>* rest) {
  LogOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const auto eq = a.find('=');
    const std::string flag = a.substr(0, eq);
    if (flag == "--access-log") {
      if (eq != std::string::npos) return core::invalid_argument("--access-log takes no value");
      o.access_log = true;
      continue;
    }
    if (flag != "--log-format" && flag != "--log-level") {
      rest->push_back(a);
      continue;
    }
    std::string v;
    if (eq != std::string::npos) {
      v = a.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      v = args[++i];
    }
    if (flag == "--log-format") {
      if (v != "text" && v != "json")
        return core::invalid_argument("--log-format must be text or json");
      o.format = v == "json" ? core::LogFormat::kJson : core::LogFormat::kText;
    } else {
      auto level = core::parse_log_level(v);
      if (!level) return core::invalid_argument("--log-level must be debug, info, warn or error");
      o.level = *level;
    }
  }
  return o;
}

void install_log(const LogOptions& options, const core::Clock& wall) {
  core::configure_log({options.level, options.format, &wall, [](std::string_view line) {
                         static std::mutex mu;  // one line at a time, whole
                         std::string out(line);
                         out += '\n';
                         std::lock_guard lock(mu);
                         std::fwrite(out.data(), 1, out.size(), stderr);
                       }});
}

}  // namespace vouch::cli
