// Names and printers for core's types, so a failing EXPECT_EQ shows
// "Verified" rather than "1-byte object <01>", and one claim comparison that
// names every field that differs. Include it in every test that compares
// these types: gtest finds the PrintTo overloads by argument-dependent lookup.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>

#include "core/claim.h"
#include "core/evidence.h"
#include "core/mail.h"
#include "core/status_machine.h"
#include "core/store.h"

namespace vouch::testing {

const char* to_string(core::ClaimKind k);
const char* to_string(core::ClaimStatus s);
const char* to_string(core::CheckOutcome o);
const char* to_string(core::RecordType t);
const char* to_string(core::CreateOutcome o);
const char* to_string(core::Mail::State s);
const char* to_string(core::SendResult::Kind k);
// Seconds since the epoch, with nanoseconds when there are any; "none".
std::string to_string(core::TimePoint t);
std::string to_string(const std::optional<core::TimePoint>& t);
// Every field, one line.
std::string to_string(const core::Claim& c);

// Success when every field of the two claims is equal; else the failure names
// each field that differs, with both values.
::testing::AssertionResult same_claim(const core::Claim& got, const core::Claim& want);

}  // namespace vouch::testing

// gtest looks these up in the namespace of the printed type.
namespace vouch::core {
void PrintTo(ClaimKind k, std::ostream* os);
void PrintTo(ClaimStatus s, std::ostream* os);
void PrintTo(CheckOutcome o, std::ostream* os);
void PrintTo(RecordType t, std::ostream* os);
void PrintTo(CreateOutcome o, std::ostream* os);
void PrintTo(Mail::State s, std::ostream* os);
void PrintTo(SendResult::Kind k, std::ostream* os);
void PrintTo(const Scope& s, std::ostream* os);
void PrintTo(const Claim& c, std::ostream* os);
}  // namespace vouch::core

// EXPECT_CLAIM_EQ(got, want): every field, each difference named.
#define EXPECT_CLAIM_EQ(got, want) EXPECT_TRUE(::vouch::testing::same_claim((got), (want)))
#define ASSERT_CLAIM_EQ(got, want) ASSERT_TRUE(::vouch::testing::same_claim((got), (want)))
