// The shared store's opening: an unreachable database is one clear line that
// names it (without its password), in builds with and without PostgreSQL.
#include "cli/store_factory.h"

#include <gtest/gtest.h>

namespace vouch::cli {
namespace {

TEST(RedactStoreUrl, HidesPasswordsInUrisAndKeywordStrings) {
  EXPECT_EQ(redact_store_url("postgres://vouch:s3cret@db:5432/vouch"),
            "postgres://vouch:***@db:5432/vouch");
  EXPECT_EQ(redact_store_url("postgresql://vouch:p@ss@db/vouch"),
            "postgresql://vouch:***@db/vouch");
  EXPECT_EQ(redact_store_url("postgres://vouch@db/vouch"), "postgres://vouch@db/vouch");
  EXPECT_EQ(redact_store_url("postgres://db/vouch?password=x&sslmode=require"),
            "postgres://db/vouch?password=***&sslmode=require");
  EXPECT_EQ(redact_store_url("host=db password=s3cret dbname=vouch"),
            "host=db password=*** dbname=vouch");
  EXPECT_EQ(redact_store_url("host=db password='a b' dbname=vouch"),
            "host=db password=*** dbname=vouch");
  EXPECT_EQ(redact_store_url("dbname=vouch"), "dbname=vouch");
}

TEST(OneLine, JoinsLibpqsLines) {
  EXPECT_EQ(one_line("connection to server failed: Connection refused\n\tIs the server running?\n"),
            "connection to server failed: Connection refused; Is the server running?");
  EXPECT_EQ(one_line("plain"), "plain");
}

TEST(OpenSharedStore, AnUnreachableDatabaseIsAClearErrorNamingIt) {
  auto store = open_shared_store("postgres://vouch:s3cret@127.0.0.1:1/vouch?connect_timeout=2", 2);
  ASSERT_FALSE(store.ok());
  const std::string& m = store.error().message;
  EXPECT_EQ(m.rfind("cannot open the store postgres://vouch:***@127.0.0.1:1/vouch", 0), 0u) << m;
  EXPECT_EQ(m.find("s3cret"), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
}

}  // namespace
}  // namespace vouch::cli
