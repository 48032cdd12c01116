// A core::DnsResolver that answers on the caller's thread, at once: for code
// that only needs an answer (a diagnosis probe, a check that must not wait),
// not the timing of one. testing::FakeResolver answers later, as DNS does.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/evidence.h"

namespace vouch::testing {

class InstantResolver final : public core::DnsResolver {
 public:
  // Every name answers with its `records` (none when not set), as one
  // resolver's answer; with `silent`, no resolver answers at all.
  void lookup(const std::string& name, core::RecordType,
              std::function<void(std::vector<core::DnsAnswer>)> done) override {
    asked.push_back(name);
    if (silent) return done({});
    core::DnsAnswer a;
    a.resolver = "instant";
    a.kind = core::DnsAnswer::Kind::kRecords;
    if (auto it = records.find(name); it != records.end()) a.records = it->second;
    done({a});
  }
  size_t perspectives() const override { return 1; }

  std::map<std::string, std::vector<std::string>> records;
  bool silent = false;
  std::vector<std::string> asked;  // not thread-safe: for single-threaded tests
};

}  // namespace vouch::testing
