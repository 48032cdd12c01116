// Small encoders used for tokens and ids.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace vouch::core {

std::string base64_encode(std::span<const uint8_t> bytes);     // standard alphabet, padded
std::string base64url_encode(std::span<const uint8_t> bytes);  // URL-safe, unpadded
std::optional<std::string> base64url_decode(std::string_view text);
std::string hex_encode(std::span<const uint8_t> bytes);  // lower-case

}  // namespace vouch::core
