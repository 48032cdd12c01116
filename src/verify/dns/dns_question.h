// The question a DNS message asks, as BatchedUdp matches an answer to its
// query (apart from it so that the fuzzer drives it alone).
#pragma once

#include <cstddef>
#include <string>

namespace vouch::verify::dns {

// The question of a DNS message (QNAME lower-cased, QTYPE, QCLASS, as wire
// bytes), or "" if it has not exactly one well-formed question.
std::string question_of(const unsigned char* m, size_t len);

}  // namespace vouch::verify::dns
