// `vouch store copy` on SQLite -> SQLite (restore works on any backend; the
// PostgreSQL round trip is the integration suite's): what is copied, what is
// verified, and what is refused.
#include "cli/store_copy.h"

#include <gtest/gtest.h>

#include <fstream>

#include "cli/data_dir.h"
#include "cli/shared_secrets.h"
#include "store/store_contract_test_util.h"
#include "testing/temp_dir.h"

namespace vouch::cli {
namespace {

using core::contract::kScope;
using core::contract::mail_to;
using core::contract::make_full_claim;
using core::contract::T0;

std::unique_ptr<store::sqlite::SqliteStore> open_sqlite(const std::string& path) {
  auto s = store::sqlite::SqliteStore::open(path);
  if (!s.ok()) std::abort();
  return std::move(*s);
}

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

class StoreCopyTest : public ::testing::Test {
 protected:
  StoreCopyTest() : to_(open_sqlite(target_dir_.file("vouch.db"))) {}

  // A stopped installation: a claim with history and evidence, mail, an
  // account, an idempotency record, and the data dir's files.
  void populate() {
    auto source = open_sqlite(dir_.file("vouch.db"));
    core::Claim c = make_full_claim(kScope, core::ClaimKind::kSesDomain,
                                    core::ClaimStatus::kPending, "example.com");
    core::IdempotencyKey key{"token-1", "hash-1", "<response/>"};
    core::CreateRules rules;
    rules.now = T0;
    auto created = source->create_claim_once(c, key, rules);
    ASSERT_OK(created);
    core::Claim moved = created->claim;
    moved.status = core::ClaimStatus::kVerified;
    ASSERT_OK(source->record_check(
        moved, "{\"found\":true}",
        core::StatusChange{T0, core::ClaimStatus::kPending, core::ClaimStatus::kVerified}));
    ASSERT_OK(
        source->enqueue_mail(mail_to(kScope, "a@example.com", core::Mail::State::kQueued, T0)));
    ASSERT_OK(source->put_account({"111122223333", "AKIAROOTROOTROOTROOT", "root-secret"}));
    write(dir_.file("secret.key"), secret_);
    write(dir_.file("root-credentials"),
          root_credentials_text({"111122223333", "AKIAROOTROOTROOTROOT", "root-secret"}));
    write(dir_.file("root-key-id"), "AKIAROOTROOTROOTROOT\n");
    ASSERT_OK(save_test_clock(dir_.path(), T0));
  }

  std::string setting(const std::string& name) {
    auto v = to_->get_setting(name);
    return v.ok() && *v ? **v : "<none>";
  }

  const std::string secret_ = std::string("\0secret-key-of-32-bytes-or-more!", 32);
  testing::TempDir dir_, target_dir_;
  std::unique_ptr<store::sqlite::SqliteStore> to_;
};

TEST_F(StoreCopyTest, CopiesEverythingAndTheFilesIntoSettingsAndVerifiesTheCounts) {
  populate();
  auto from = open_copy_source(dir_.path());
  ASSERT_OK(from);
  auto counts = copy_store(dir_.path(), **from, *to_);
  ASSERT_OK(counts);
  EXPECT_EQ(counts->claims, 1u);
  EXPECT_EQ(counts->history, 1u);
  EXPECT_EQ(counts->mail, 1u);
  EXPECT_EQ(counts->accounts, 1u);
  EXPECT_EQ(counts->idempotency, 1u);
  EXPECT_EQ(counts->settings, 4u);
  // Under the names a node on --store reads: its links and page tokens stay valid.
  EXPECT_EQ(decode_secret_key(setting(kSecretKeySetting)), secret_);
  EXPECT_EQ(setting(kRootKeyIdSetting), "AKIAROOTROOTROOTROOT");
  EXPECT_EQ(setting(kRootCredentialsSetting),
            root_credentials_text({"111122223333", "AKIAROOTROOTROOTROOT", "root-secret"}));
  EXPECT_EQ(setting(kTestClockSetting), std::to_string(T0.time_since_epoch().count()));
  core::SeededRandom random(1);
  auto key = shared_secret_key(*to_, random);
  ASSERT_OK(key);
  EXPECT_EQ(*key, secret_);
  auto root = shared_root(*to_, random);
  ASSERT_OK(root);
  EXPECT_FALSE(root->root.generated);
  EXPECT_EQ(root->root.account.access_key_id, "AKIAROOTROOTROOTROOT");
  EXPECT_TRUE(root->retired.empty());
  // The claim, its evidence and its history, as they were.
  auto claim = to_->get_claim_by_id(counts->claims ? (*from)->snapshot()->claims[0].claim.id : "");
  ASSERT_OK(claim);
  ASSERT_TRUE(claim->has_value());
  EXPECT_EQ((*claim)->status, core::ClaimStatus::kVerified);
  EXPECT_EQ(*to_->last_evidence((*claim)->id), std::optional<std::string>("{\"found\":true}"));
  EXPECT_EQ(to_->history((*claim)->id)->size(), 1u);
}

TEST_F(StoreCopyTest, RefusesANonEmptyTarget) {
  populate();
  ASSERT_OK(to_->put_setting("anything", "x"));
  auto from = open_copy_source(dir_.path());
  ASSERT_OK(from);
  auto counts = copy_store(dir_.path(), **from, *to_);
  ASSERT_FALSE(counts.ok());
  EXPECT_EQ(counts.error().code, core::ErrorCode::kConflict);
  EXPECT_NE(counts.error().message.find("the target is not empty"), std::string::npos)
      << counts.error().message;
  EXPECT_EQ(setting(kSecretKeySetting), "<none>");  // nothing written
}

TEST_F(StoreCopyTest, AnEmptyInstallationCopiesWithoutASecretKey) {
  open_sqlite(dir_.file("vouch.db"));
  auto from = open_copy_source(dir_.path());
  ASSERT_OK(from);
  auto counts = copy_store(dir_.path(), **from, *to_);
  ASSERT_OK(counts);
  EXPECT_EQ(*counts, CopyCounts{});
}

TEST_F(StoreCopyTest, ClaimsWithoutTheirSecretKeyAreRefused) {
  populate();
  ASSERT_EQ(std::remove(dir_.file("secret.key").c_str()), 0);
  auto from = open_copy_source(dir_.path());
  ASSERT_OK(from);
  auto counts = copy_store(dir_.path(), **from, *to_);
  ASSERT_FALSE(counts.ok());
  EXPECT_NE(counts.error().message.find("secret.key is missing"), std::string::npos);
}

TEST_F(StoreCopyTest, TheSourceMustBeADataDirectoryNoServerHolds) {
  auto none = open_copy_source(dir_.path());
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("holds no vouch.db"), std::string::npos);

  open_sqlite(dir_.file("vouch.db"));
  ASSERT_OK(lock_data_dir(dir_.path()));  // a running server
  auto held = open_copy_source(dir_.path());
  ASSERT_FALSE(held.ok());
  EXPECT_EQ(held.error().code, core::ErrorCode::kConflict);
  EXPECT_NE(held.error().message.find("stop it before copying"), std::string::npos);
}

}  // namespace
}  // namespace vouch::cli
