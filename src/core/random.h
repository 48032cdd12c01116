// Randomness comes from outside core, so tests can make it deterministic.
#pragma once

#include <cstdint>
#include <random>
#include <span>

namespace vouch::core {

class Random {
 public:
  virtual ~Random() = default;
  // Fills `out` with unpredictable bytes. REQUIRES: a CSPRNG in production.
  virtual void fill(std::span<uint8_t> out) = 0;
};

// Deterministic, for tests only.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : rng_(seed) {}
  void fill(std::span<uint8_t> out) override {
    for (auto& b : out) b = static_cast<uint8_t>(rng_());
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace vouch::core
