#include "cli/config_command.h"

#include <cstdio>

#include "cli/commands.h"

namespace vouch::cli {

int config_check(const std::vector<std::string>& args, const EnvLookup& env,
                 const std::function<core::Status(const std::vector<std::string>&)>& validate) {
  Settings effective;
  auto serve_args = layered_serve_args(args, env, &effective);
  if (!serve_args.ok()) return fail(serve_args.error().message);
  if (auto s = validate(*serve_args); !s.ok())
    return fail(blame_setting(effective, s.error(), validate).message);
  std::printf("# vouch serve's effective settings (any flag not listed has its default)\n");
  for (const auto& s : effective) std::printf("%s\n", setting_line(s).c_str());
  return 0;
}

}  // namespace vouch::cli
