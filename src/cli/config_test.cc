// The config file, the VOUCH_* environment and their precedence under flags.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "cli/cli_test_util.h"
#include "cli/config_file.h"
#include "cli/config_layers.h"
#include "cli/options.h"
#include "cli/serve_flags.h"
#include "testing/temp_dir.h"

namespace vouch::cli {
namespace {

using namespace test;  // NOLINT: the Result adapters
using Args = std::vector<std::string>;

struct FakeEnv {
  std::map<std::string, std::string> vars;
  EnvLookup lookup() const {
    return [this](const char* name) -> const char* {
      auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  }
};

class ConfigTest : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    std::string path = dir_.path() + "/vouch.toml";
    std::ofstream(path) << text;
    return path;
  }
  // parse_serve over the layered flags; fails the test on an error.
  ServeOptions serve(const Args& args) {
    auto layered = layered_serve_args(args, env_.lookup());
    EXPECT_EQ(error_text(layered), "");
    if (!layered.ok()) return {};
    ServeOptions o;
    EXPECT_EQ(parse_into(parse_serve(*layered), &o), "");
    return o;
  }
  std::string layered_error(const Args& args) {
    return error_text(layered_serve_args(args, env_.lookup()));
  }
  testing::TempDir dir_;
  FakeEnv env_;
};

TEST_F(ConfigTest, FileSetsEveryKind) {
  std::string path = write(R"(
listen = "127.0.0.1:5000"
test-mode = true
dns-resolver = ["127.0.0.1:53", "127.0.0.2:53"]
rate-limit = { GetIdentityVerificationAttributes = 5, SendEmail = 0.5 }
regions = ["us-east-1", "eu-west-1"]
recheck-interval = 3600
max-identities = 7
)");
  ServeOptions o = serve({"--config", path});
  EXPECT_EQ(o.port, 5000);
  EXPECT_TRUE(o.test_mode);
  EXPECT_EQ(o.dns_resolvers, (Args{"127.0.0.1:53", "127.0.0.2:53"}));
  EXPECT_EQ(o.rate_limits.at("GetIdentityVerificationAttributes"), 5);
  EXPECT_EQ(o.rate_limits.at("SendEmail"), 0.5);
  EXPECT_EQ(o.regions, (Args{"us-east-1", "eu-west-1"}));
  EXPECT_EQ(o.recheck_interval, std::chrono::seconds(3600));
  EXPECT_EQ(o.max_identities, 7u);
}

TEST_F(ConfigTest, FlagsOverEnvironmentOverFile) {
  std::string path = write("listen = \"127.0.0.1:5000\"\nmax-identities = 7\nthreads = 3\n");
  env_.vars["VOUCH_LISTEN"] = "127.0.0.1:6000";
  env_.vars["VOUCH_MAX_IDENTITIES"] = "8";
  ServeOptions o = serve({"--config", path, "--listen", "127.0.0.1:7000"});
  EXPECT_EQ(o.port, 7000);                            // the flag
  EXPECT_EQ(o.max_identities, 8u);                    // the environment
  EXPECT_EQ(o.threads, 3);                            // the file
  EXPECT_EQ(serve({"--config=" + path}).port, 6000);  // positive control: env over file
  env_.vars.clear();
  EXPECT_EQ(serve({"--config", path}).port, 5000);
  env_.vars["VOUCH_CONFIG"] = path;  // the file named by the environment
  EXPECT_EQ(serve({}).port, 5000);
}

TEST_F(ConfigTest, AListOnAHigherLayerReplacesALowerOnes) {
  std::string path = write("dns-resolver = [\"10.0.0.1:53\", \"10.0.0.2:53\"]\n");
  EXPECT_EQ(serve({"--config", path}).dns_resolvers, (Args{"10.0.0.1:53", "10.0.0.2:53"}));
  env_.vars["VOUCH_DNS_RESOLVER"] = "10.0.0.3:53, 10.0.0.4:53";
  EXPECT_EQ(serve({"--config", path}).dns_resolvers, (Args{"10.0.0.3:53", "10.0.0.4:53"}));
  EXPECT_EQ(serve({"--config", path, "--dns-resolver", "10.0.0.5:53", "--dns-resolver=10.0.0.6:53"})
                .dns_resolvers,
            (Args{"10.0.0.5:53", "10.0.0.6:53"}));
}

TEST_F(ConfigTest, SwitchesTurnOnAndOffPerLayer) {
  std::string path = write("test-mode = true\n");
  EXPECT_TRUE(serve({"--config", path}).test_mode);
  env_.vars["VOUCH_TEST_MODE"] = "false";  // the environment's false beats the file's true
  EXPECT_FALSE(serve({"--config", path}).test_mode);
  EXPECT_TRUE(serve({"--config", path, "--test-mode"}).test_mode);
  env_.vars["VOUCH_TEST_MODE"] = "maybe";
  EXPECT_EQ(layered_error({}),
            "VOUCH_TEST_MODE must be true or false (or 1/0, yes/no), got 'maybe'");
}

TEST_F(ConfigTest, DataAndStoreAreOneChoice) {
  std::string path = write("data = \"/var/lib/vouch\"\n");
  ServeOptions o = serve({"--config", path, "--store", "postgres://db/vouch"});
  EXPECT_EQ(o.store_url, "postgres://db/vouch");
  EXPECT_EQ(serve({"--config", path}).data_dir, "/var/lib/vouch");
}

TEST_F(ConfigTest, UnrelatedVouchVariablesAreNoFlags) {
  env_.vars["VOUCH_ROOT_ACCESS_KEY_ID"] = "AKIAROOTROOTROOTROOT";
  env_.vars["VOUCH_NO_METRICS"] = "1";
  env_.vars["VOUCH_BIN"] = "/bin/false";
  env_.vars["VOUCH_LISTEN"] = "";  // empty: unset
  EXPECT_EQ(serve({}).port, 4566);
}

TEST_F(ConfigTest, UnknownKeyNamesTheKeyTheFileAndTheLine) {
  std::string path = write("listen = \"127.0.0.1:1\"\nlistn = \"x\"\n");
  EXPECT_EQ(layered_error({"--config", path}),
            path + ":2: unknown key 'listn' (did you mean 'listen'?); keys are vouch serve's "
                   "flags without --");
  path = write("config = \"other.toml\"\n");
  EXPECT_NE(layered_error({"--config", path}).find("unknown key 'config'"), std::string::npos);
}

TEST_F(ConfigTest, SyntaxErrorNamesTheLineAndColumn) {
  std::string path = write("listen = \"127.0.0.1:1\"\nthreads = \n");
  EXPECT_EQ(layered_error({"--config", path}).rfind(path + ":2:11: ", 0), 0u)
      << layered_error({"--config", path});
}

TEST_F(ConfigTest, WrongTypeNamesTheKey) {
  EXPECT_EQ(layered_error({"--config", write("test-mode = \"yes\"\n")}),
            dir_.path() + "/vouch.toml:1: key 'test-mode' needs true or false");
  EXPECT_EQ(layered_error({"--config", write("listen = [\"127.0.0.1:1\"]\n")}),
            dir_.path() + "/vouch.toml:1: key 'listen' needs a string or a number (at most 1000)");
  EXPECT_EQ(layered_error({"--config", write("dns-resolver = [[\"a\"]]\n")}),
            dir_.path() +
                "/vouch.toml:1: key 'dns-resolver' needs a string, a number, an array of them or "
                "a table (at most 1000)");
  EXPECT_EQ(error_text(layered_serve_args({"--config", write("threads = 2\n")}, env_.lookup())),
            "");
}

TEST_F(ConfigTest, MissingFileIsNamed) {
  EXPECT_EQ(layered_error({"--config", dir_.path() + "/none.toml"}),
            "cannot read --config " + dir_.path() + "/none.toml: No such file or directory");
  EXPECT_EQ(layered_error({"--config"}), "--config needs a file");
}

TEST_F(ConfigTest, BlameNamesWhereABadValueCameFrom) {
  std::string path = write("threads = 2\nlisten = \"nowhere\"\n");
  auto check = [](const Args& args) -> core::Status {
    auto o = parse_serve(args);
    if (!o.ok()) return o.error();
    return {};
  };
  Settings effective;
  auto args = layered_serve_args({"--config", path}, env_.lookup(), &effective);
  ASSERT_TRUE(args.ok());
  core::Status s = check(*args);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(blame_setting(effective, s.error(), check).message,
            path + ":2 (listen): --listen: expected HOST:PORT, got 'nowhere'");
}

TEST_F(ConfigTest, CheckMasksSecrets) {
  Setting smtp{"smtp-url", {"smtp://user:hunter2@mail:587"}, "f:1"};
  EXPECT_EQ(setting_line(smtp), "smtp-url = \"smtp://user:***@mail:587\"  # f:1");
  Setting store{"store", {"host=db password=hunter2 dbname=v"}, "VOUCH_STORE"};
  EXPECT_EQ(setting_line(store), "store = \"host=db password=*** dbname=v\"  # VOUCH_STORE");
  Setting list{"dns-resolver", {"a:53", "b:53"}, "command line"};
  EXPECT_EQ(setting_line(list), "dns-resolver = [\"a:53\", \"b:53\"]  # command line");
  Setting on{"test-mode", {"true"}, "f:2"};
  EXPECT_EQ(setting_line(on), "test-mode = true  # f:2");
}

// A flag in the table that parse_serve would not know, or the reverse, would
// make the file accept what the command line refuses.
TEST(ServeFlags, EveryFlagInTheTableIsParsed) {
  for (const auto& f : serve_flags()) {
    if (f.name == "access-log" || f.name == "log-format" || f.name == "log-level") continue;
    std::string flag = "--" + std::string(f.name);
    Args args{flag};
    if (f.kind != FlagKind::kSwitch) args.push_back("x");
    auto r = parse_serve(args);
    EXPECT_TRUE(r.ok() || r.error().message.find("unknown option") == std::string::npos)
        << flag << ": " << r.error().message;
  }
  EXPECT_EQ(error_text(parse_serve({"--lisen", "x"})),
            "unknown option --lisen (did you mean --listen?)");
  EXPECT_EQ(env_name("dns-resolver"), "VOUCH_DNS_RESOLVER");
}

}  // namespace
}  // namespace vouch::cli
