// CaresResolver against a tiny DNS server written here (UDP and TCP on a
// loopback port, answers scripted per name): how each kind of answer comes
// back, that SERVFAIL/REFUSED are not retried, that silence times out after
// the configured tries, that truncated UDP answers are fetched over TCP, and
// that each perspective answers for itself.
#include "verify/dns/cares_resolver.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace vouch::verify::dns {
namespace {

using core::DnsAnswer;
using Kind = DnsAnswer::Kind;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Reply {
  int rcode = 0;
  std::vector<std::vector<std::string>> txt;         // records, each its character-strings
  std::string cname;                                 // answer starts with a CNAME to this name
  std::vector<std::pair<unsigned, std::string>> mx;  // MX records: preference, exchange
  bool truncate_udp = false;                         // over UDP: TC bit and no records
  bool drop = false;                                 // never answer
  // A decoy sent first: same id, TXT "spoofed", but this question (an empty
  // name, type 0 or class 0 keep the query's).
  bool decoy = false;
  std::string decoy_name;
  unsigned decoy_type = 0, decoy_class = 0;
  std::string soa_mname;  // set: an SOA (this MNAME, serial 7) in the authority section
  std::string soa_zone;   // the SOA's owner; empty: the question's name
};

class TestDns {
 public:
  explicit TestDns(std::function<Reply(const std::string&)> handler)
      : handler_(std::move(handler)) {
    udp_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    tcp_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(tcp_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    // Room for a burst of queries: the kernel drops what does not fit.
    // SO_RCVBUF is capped at net.core.rmem_max (208 KiB here, about 200
    // queries); SO_RCVBUFFORCE (root, as in CI) is not.
    int buf = 1 << 22;
    if (::setsockopt(udp_, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf) != 0)
      ::setsockopt(udp_, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // One port for both: bind UDP to an ephemeral port, then TCP to the same.
    for (int i = 0; i < 50; ++i) {
      a.sin_port = 0;
      if (::bind(udp_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) continue;
      socklen_t len = sizeof a;
      ::getsockname(udp_, reinterpret_cast<sockaddr*>(&a), &len);
      if (::bind(tcp_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) break;
      ::close(udp_);
      udp_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    }
    port_ = ntohs(a.sin_port);
    ::listen(tcp_, 16);
    if (::pipe(stop_pipe_) != 0) std::abort();
    thread_ = std::thread([this] { serve(); });
  }
  ~TestDns() {
    char c = 'x';
    (void)!::write(stop_pipe_[1], &c, 1);
    thread_.join();
    for (int fd : conns_) ::close(fd);
    ::close(udp_);
    ::close(tcp_);
    ::close(stop_pipe_[0]);
    ::close(stop_pipe_[1]);
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int udp_queries(const std::string& name) { return count(udp_seen_, name); }
  int tcp_queries(const std::string& name) { return count(tcp_seen_, name); }
  // The distinct UDP source ports queries came from.
  size_t udp_source_ports() {
    std::lock_guard lock(mu_);
    return udp_ports_.size();
  }

 private:
  int count(const std::map<std::string, int>& m, const std::string& name) {
    std::lock_guard lock(mu_);
    auto it = m.find(name);
    return it == m.end() ? 0 : it->second;
  }

  static std::string encode_name(const std::string& name) {
    std::string out;
    size_t start = 0;
    while (start < name.size()) {
      size_t dot = name.find('.', start);
      if (dot == std::string::npos) dot = name.size();
      out += static_cast<char>(dot - start);
      out += name.substr(start, dot - start);
      start = dot + 1;
    }
    return out + '\0';
  }

  // The responses to `q`, in order: none, the answer, or a decoy and the answer.
  std::vector<std::string> responses(const std::string& q, bool tcp) {
    std::string name;
    Reply r = parse(q, tcp, &name);
    std::vector<std::string> out;
    if (r.decoy && !tcp) {
      Reply d;
      d.txt = {{"spoofed"}};
      const size_t end = 12 + encode_name(name).size();
      std::string question = r.decoy_name.empty() ? q.substr(12, end - 12)
                                                  : encode_name(r.decoy_name);
      auto u16 = [&question](unsigned v) {
        question += static_cast<char>(v >> 8);
        question += static_cast<char>(v & 0xff);
      };
      u16(r.decoy_type
              ? r.decoy_type
              : static_cast<unsigned char>(q[end]) << 8 | static_cast<unsigned char>(q[end + 1]));
      u16(r.decoy_class ? r.decoy_class
                        : static_cast<unsigned char>(q[end + 2]) << 8 |
                              static_cast<unsigned char>(q[end + 3]));
      std::string fake = q.substr(0, 12) + question;
      out.push_back(respond(fake, false, d));
    }
    if (!r.drop && !name.empty()) out.push_back(respond(q, tcp, r));
    return out;
  }

  // The query's name (counted) and the scripted reply; drop for a short query.
  Reply parse(const std::string& q, bool tcp, std::string* name_out) {
    Reply none;
    none.drop = true;
    if (q.size() < 17) return none;
    std::string name;
    size_t off = 12;
    while (off < q.size() && q[off] != 0) {
      size_t n = static_cast<unsigned char>(q[off]);
      if (!name.empty()) name += '.';
      name += q.substr(off + 1, n);
      off += 1 + n;
    }
    if (off + 5 > q.size()) return none;
    {
      std::lock_guard lock(mu_);
      ++(tcp ? tcp_seen_ : udp_seen_)[name];
    }
    *name_out = name;
    return handler_(name);
  }

  // The response to `q` (whose question is echoed) carrying `r`.
  std::string respond(const std::string& q, bool tcp, const Reply& r) {
    size_t off = 12;
    while (off < q.size() && q[off] != 0) off += 1 + static_cast<unsigned char>(q[off]);
    const size_t question_end = off + 5;  // zero label, type, class
    const bool truncated = r.truncate_udp && !tcp;
    std::string answers;
    int ancount = 0;
    auto u16 = [](std::string& s, unsigned v) {
      s += static_cast<char>(v >> 8);
      s += static_cast<char>(v & 0xff);
    };
    auto rr_head = [&](std::string& s, const std::string& owner_wire, unsigned type, size_t rdlen) {
      s += owner_wire;
      u16(s, type);
      u16(s, 1);
      u16(s, 0);
      u16(s, 60);
      u16(s, static_cast<unsigned>(rdlen));
    };
    if (!truncated) {
      std::string owner = std::string("\xc0\x0c", 2);
      if (!r.cname.empty()) {
        std::string target = encode_name(r.cname);
        rr_head(answers, owner, 5, target.size());
        answers += target;
        ++ancount;
        owner = target;
      }
      for (const auto& [pref, host] : r.mx) {
        std::string rdata;
        u16(rdata, pref);
        rdata += encode_name(host);
        rr_head(answers, owner, 15, rdata.size());
        answers += rdata;
        ++ancount;
      }
      for (const auto& rec : r.txt) {
        std::string rdata;
        for (const auto& s : rec) {
          rdata += static_cast<char>(s.size());
          rdata += s;
        }
        rr_head(answers, owner, 16, rdata.size());
        answers += rdata;
        ++ancount;
      }
    }
    std::string authority;
    if (!r.soa_mname.empty()) {
      std::string rdata = encode_name(r.soa_mname) + encode_name("hostmaster.example.com");
      for (unsigned v : {0u, 7u, 0u, 3600u, 0u, 3600u, 0u, 3600u, 0u, 60u}) u16(rdata, v);
      rr_head(authority, r.soa_zone.empty() ? std::string("\xc0\x0c", 2) : encode_name(r.soa_zone),
              6, rdata.size());
      authority += rdata;
    }
    std::string out = q.substr(0, 2);
    unsigned flags = 0x8000 | 0x0400 | (static_cast<unsigned char>(q[2]) & 0x01) << 8 |
                     (truncated ? 0x0200 : 0) | (r.rcode & 0xf);
    u16(out, flags);
    u16(out, 1);
    u16(out, static_cast<unsigned>(ancount));
    u16(out, authority.empty() ? 0 : 1);
    u16(out, 0);
    out += q.substr(12, question_end - 12);
    return out + answers + authority;
  }

  static bool read_exact(int fd, char* buf, size_t n) {
    while (n > 0) {
      ssize_t k = ::read(fd, buf, n);
      if (k <= 0) return false;
      buf += k;
      n -= static_cast<size_t>(k);
    }
    return true;
  }

  void serve() {
    for (;;) {
      std::vector<pollfd> fds = {{stop_pipe_[0], POLLIN, 0}, {udp_, POLLIN, 0}, {tcp_, POLLIN, 0}};
      for (int fd : conns_) fds.push_back({fd, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 1000) < 0) continue;
      if (fds[0].revents) return;
      if (fds[1].revents & POLLIN) {
        char buf[4096];
        sockaddr_in from{};
        socklen_t len = sizeof from;
        ssize_t n = ::recvfrom(udp_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n > 0) {
          {
            std::lock_guard lock(mu_);
            udp_ports_.insert(from.sin_port);
          }
          for (const auto& r : responses(std::string(buf, static_cast<size_t>(n)), false)) {
            ::sendto(udp_, r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
          }
        }
      }
      if (fds[2].revents & POLLIN) {
        int c = ::accept(tcp_, nullptr, nullptr);
        if (c >= 0) conns_.push_back(c);
      }
      for (size_t i = 3; i < fds.size(); ++i) {
        if (!fds[i].revents) continue;
        int fd = fds[i].fd;
        unsigned char lenbuf[2];
        std::string q;
        bool ok = read_exact(fd, reinterpret_cast<char*>(lenbuf), 2);
        if (ok) {
          q.resize(static_cast<size_t>(lenbuf[0]) << 8 | lenbuf[1]);
          ok = read_exact(fd, q.data(), q.size());
        }
        if (ok) {
          auto all = responses(q, true);
          if (!all.empty()) {
            const std::string& r = all.back();
            unsigned char l[2] = {static_cast<unsigned char>(r.size() >> 8),
                                  static_cast<unsigned char>(r.size())};
            std::string framed(reinterpret_cast<char*>(l), 2);
            framed += r;
            ok = ::write(fd, framed.data(), framed.size()) == static_cast<ssize_t>(framed.size());
          }
        }
        if (!ok) {
          ::close(fd);
          conns_.erase(std::find(conns_.begin(), conns_.end(), fd));
        }
      }
    }
  }

  std::function<Reply(const std::string&)> handler_;
  int udp_ = -1, tcp_ = -1, stop_pipe_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::vector<int> conns_;  // only the server thread touches it (and the destructor after join)
  std::mutex mu_;
  std::map<std::string, int> udp_seen_, tcp_seen_;
  std::set<uint16_t> udp_ports_;
  std::thread thread_;
};

// A server answering from a fixed table; NXDOMAIN for unknown names.
std::function<Reply(const std::string&)> table(std::map<std::string, Reply> t) {
  return [t = std::move(t)](const std::string& name) {
    auto it = t.find(name);
    if (it != t.end()) return it->second;
    Reply r;
    r.rcode = 3;
    return r;
  };
}

std::unique_ptr<CaresResolver> make(std::vector<std::string> servers,
                                    milliseconds timeout = milliseconds(2000), int tries = 2,
                                    size_t queries_per_port = 1,
                                    std::chrono::seconds soa_cache = std::chrono::seconds(300)) {
  ResolverOptions o;
  o.soa_cache_max_age = soa_cache;
  o.servers = std::move(servers);
  o.timeout = timeout;
  o.tries = tries;
  o.queries_per_port = queries_per_port;
  auto r = CaresResolver::create(o);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? std::move(*r) : nullptr;
}

std::vector<DnsAnswer> ask(CaresResolver& r, const std::string& name,
                           core::RecordType type = core::RecordType::kTxt) {
  auto p = std::make_shared<std::promise<std::vector<DnsAnswer>>>();
  auto f = p->get_future();
  auto calls = std::make_shared<std::atomic<int>>(0);
  r.lookup(name, type, [p, calls](std::vector<DnsAnswer> a) {
    if (calls->fetch_add(1) == 0) p->set_value(std::move(a));
  });
  if (f.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    ADD_FAILURE() << "no answer for " << name;
    return {};
  }
  auto out = f.get();
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(calls->load(), 1) << "done called more than once";
  return out;
}

DnsAnswer ask_one(CaresResolver& r, const std::string& name,
                  core::RecordType type = core::RecordType::kTxt) {
  auto a = ask(r, name, type);
  EXPECT_EQ(a.size(), 1u);
  return a.empty() ? DnsAnswer{} : a[0];
}

TEST(CaresResolver, RecordsAreJoinedPerRecord) {
  TestDns dns(table({{"_amazonses.example.com", Reply{0, {{"abc"}, {"de", "fg", "h"}, {""}}}}}));
  auto r = make({dns.address()});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->perspectives(), 1u);
  EXPECT_EQ(r->servers(), std::vector<std::string>{dns.address()});
  auto a = ask_one(*r, "_amazonses.example.com");
  EXPECT_EQ(a.kind, Kind::kRecords);
  EXPECT_EQ(a.resolver, dns.address());
  EXPECT_EQ(a.records, (std::vector<std::string>{"abc", "defgh", ""}));
  EXPECT_EQ(dns.udp_queries("_amazonses.example.com"), 1);
}

TEST(CaresResolver, LongStringsAndBytesSurvive) {
  std::string s255(255, 'q');
  std::string bytes("a\0b\xff\"\\", 6);
  TestDns dns(table({{"long.example.com", Reply{0, {{s255, s255}, {bytes}}}}}));
  auto r = make({dns.address()});
  ASSERT_TRUE(r);
  auto a = ask_one(*r, "long.example.com");
  EXPECT_EQ(a.kind, Kind::kRecords);
  ASSERT_EQ(a.records.size(), 2u);
  EXPECT_EQ(a.records[0], s255 + s255);
  EXPECT_EQ(a.records[1], bytes);
}

TEST(CaresResolver, CnameChainInTheAnswer) {
  Reply r;
  r.cname = "target.example.net";
  r.txt = {{"tok"}};
  TestDns dns(table({{"_amazonses.example.com", r}}));
  auto res = make({dns.address()});
  ASSERT_TRUE(res);
  auto a = ask_one(*res, "_amazonses.example.com");
  EXPECT_EQ(a.kind, Kind::kRecords);
  EXPECT_EQ(a.records, std::vector<std::string>{"tok"});
}

TEST(CaresResolver, CnameLookupReturnsTheTarget) {
  Reply alias;
  alias.cname = "Tok.DKIM.amazonses.com";
  Reply txt_only;
  txt_only.txt = {{"v=DKIM1"}};
  TestDns dns(
      table({{"tok._domainkey.example.com", alias}, {"txt._domainkey.example.com", txt_only}}));
  auto res = make({dns.address()});
  ASSERT_TRUE(res);
  auto a = ask_one(*res, "tok._domainkey.example.com", core::RecordType::kCname);
  EXPECT_EQ(a.kind, Kind::kRecords);
  EXPECT_EQ(a.records, std::vector<std::string>{"Tok.DKIM.amazonses.com"});
  // Records of another type at the name are no CNAME.
  auto b = ask_one(*res, "txt._domainkey.example.com", core::RecordType::kCname);
  EXPECT_EQ(b.kind, Kind::kNoData);
  EXPECT_TRUE(b.records.empty());
  EXPECT_EQ(ask_one(*res, "gone._domainkey.example.com", core::RecordType::kCname).kind,
            Kind::kNxDomain);
}

TEST(CaresResolver, MxLookupReturnsPreferenceAndExchange) {
  Reply mail;
  mail.mx = {{10, "Feedback-SMTP.us-east-1.amazonses.com"}, {20, "mx.example.net"}};
  Reply txt_only;
  txt_only.txt = {{"v=spf1 include:amazonses.com ~all"}};
  TestDns dns(table({{"mail.example.com", mail}, {"spf.example.com", txt_only}}));
  auto res = make({dns.address()});
  ASSERT_TRUE(res);
  auto a = ask_one(*res, "mail.example.com", core::RecordType::kMx);
  EXPECT_EQ(a.kind, Kind::kRecords);
  EXPECT_EQ(a.records, (std::vector<std::string>{"10 Feedback-SMTP.us-east-1.amazonses.com",
                                                 "20 mx.example.net"}));
  // TXT records at the name are no MX; an SPF lookup asks for TXT.
  EXPECT_EQ(ask_one(*res, "spf.example.com", core::RecordType::kMx).kind, Kind::kNoData);
  auto spf = ask_one(*res, "spf.example.com", core::RecordType::kSpf);
  EXPECT_EQ(spf.kind, Kind::kRecords);
  EXPECT_EQ(spf.records, std::vector<std::string>{"v=spf1 include:amazonses.com ~all"});
  EXPECT_EQ(ask_one(*res, "gone.example.com", core::RecordType::kMx).kind, Kind::kNxDomain);
}

TEST(CaresResolver, NxDomain) {
  TestDns dns(table({}));
  auto r = make({dns.address()});
  ASSERT_TRUE(r);
  auto a = ask_one(*r, "missing.example.com");
  EXPECT_EQ(a.kind, Kind::kNxDomain);
  EXPECT_TRUE(a.records.empty());
  EXPECT_EQ(dns.udp_queries("missing.example.com"), 1);
}

// A negative answer's authority SOA is kept, and no SOA query follows.
TEST(CaresResolver, NegativeAnswersCarryTheirZonesSoa) {
  Reply nx;
  nx.rcode = 3;
  nx.soa_mname = "ns1.example.com";
  Reply nodata;
  nodata.soa_mname = "ns2.example.com";
  TestDns dns(table({{"missing.example.com", nx}, {"empty.example.com", nodata}}));
  auto r = make({dns.address()});
  ASSERT_TRUE(r);
  auto a = ask_one(*r, "missing.example.com");
  EXPECT_EQ(a.kind, Kind::kNxDomain);
  ASSERT_TRUE(a.soa.has_value());
  EXPECT_EQ(a.soa->primary_ns, "ns1.example.com");
  EXPECT_EQ(a.soa->admin, "hostmaster.example.com");
  EXPECT_EQ(a.soa->serial, 7u);
  auto b = ask_one(*r, "empty.example.com");
  EXPECT_EQ(b.kind, Kind::kNoData);
  ASSERT_TRUE(b.soa.has_value());
  EXPECT_EQ(b.soa->primary_ns, "ns2.example.com");
  EXPECT_EQ(dns.udp_queries("example.com"), 0);
}

// A positive answer names no zone: one SOA query at the parent name, to the
// first perspective that answered, fills it in.
TEST(CaresResolver, APositiveAnswerAsksTheParentForTheSoaOnce) {
  Reply parent;
  parent.soa_mname = "ns1.x.com";
  TestDns a(table({{"_amazonses.x.com", Reply{0, {{"tok"}}}}, {"x.com", parent}}));
  TestDns b(table({{"_amazonses.x.com", Reply{0, {{"tok"}}}}, {"x.com", parent}}));
  auto r = make({a.address(), b.address()});
  ASSERT_TRUE(r);
  auto answers = ask(*r, "_amazonses.x.com");
  ASSERT_EQ(answers.size(), 2u);
  ASSERT_TRUE(answers[0].soa.has_value());
  EXPECT_EQ(answers[0].soa->primary_ns, "ns1.x.com");
  EXPECT_FALSE(answers[1].soa.has_value());
  EXPECT_EQ(a.udp_queries("x.com"), 1);
  EXPECT_EQ(b.udp_queries("x.com"), 0);
  // No SOA to be had: the answer still arrives, without one.
  TestDns bare(table({{"_amazonses.y.com", Reply{0, {{"tok"}}}}}));
  auto r2 = make({bare.address()});
  ASSERT_TRUE(r2);
  auto only = ask_one(*r2, "_amazonses.y.com");
  EXPECT_EQ(only.kind, Kind::kRecords);
  EXPECT_FALSE(only.soa.has_value());
  EXPECT_EQ(bare.udp_queries("y.com"), 1);
}

// A zone's SOA is asked once: a second name in it takes the SOA the first
// one's NODATA answer named (soa_cache.h); with the cache off, each asks.
TEST(CaresResolver, TheSoaIsAskedOncePerZone) {
  Reply nodata;
  nodata.soa_mname = "ns1.example.com";
  nodata.soa_zone = "example.com";
  auto zone = table({{"_amazonses.a.example.com", Reply{0, {{"tok"}}}},
                     {"_amazonses.b.example.com", Reply{0, {{"tok"}}}},
                     {"_amazonses.other.test", Reply{0, {{"tok"}}}},
                     {"a.example.com", nodata},
                     {"b.example.com", nodata}});
  TestDns cached(zone), uncached(zone);
  auto r = make({cached.address()});
  auto off = make({uncached.address()}, milliseconds(2000), 2, 1, std::chrono::seconds(0));
  ASSERT_TRUE(r && off);
  for (auto* resolver : {r.get(), off.get()}) {
    for (const char* name : {"_amazonses.a.example.com", "_amazonses.b.example.com"}) {
      auto a = ask_one(*resolver, name);
      EXPECT_EQ(a.kind, Kind::kRecords);
      ASSERT_TRUE(a.soa.has_value()) << name;
      EXPECT_EQ(a.soa->primary_ns, "ns1.example.com");
    }
  }
  EXPECT_EQ(cached.udp_queries("a.example.com"), 1);
  EXPECT_EQ(cached.udp_queries("b.example.com"), 0);
  EXPECT_EQ(uncached.udp_queries("a.example.com"), 1);
  EXPECT_EQ(uncached.udp_queries("b.example.com"), 1);
  // Another zone is asked for its own.
  EXPECT_FALSE(ask_one(*r, "_amazonses.other.test").soa.has_value());
  EXPECT_EQ(cached.udp_queries("other.test"), 1);
}

// Each lookup leaves from a fresh source port (c-ares alone would keep one
// port for as long as the channel lives), and its answer is still read.
TEST(CaresResolver, EachLookupLeavesFromAFreshPort) {
  TestDns dns(table({}));
  auto r = make({dns.address()});
  ASSERT_TRUE(r);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(ask_one(*r, "n" + std::to_string(i) + ".example.com").kind, Kind::kNxDomain);
  }
  EXPECT_EQ(dns.udp_source_ports(), 5u);
}

// Queries sent together share a port, queries_per_port at most.
TEST(CaresResolver, APortSendsAtMostQueriesPerPort) {
  TestDns dns(table({}));
  auto r = make({dns.address()}, milliseconds(5000), 2, 7);
  ASSERT_TRUE(r);
  std::vector<std::future<std::vector<DnsAnswer>>> fs;
  for (int i = 0; i < 70; ++i) {
    auto p = std::make_shared<std::promise<std::vector<DnsAnswer>>>();
    fs.push_back(p->get_future());
    r->lookup("n" + std::to_string(i) + ".example.com", core::RecordType::kTxt,
              [p](std::vector<DnsAnswer> a) { p->set_value(std::move(a)); });
  }
  for (auto& f : fs) {
    ASSERT_EQ(f.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    EXPECT_EQ(f.get()[0].kind, Kind::kNxDomain);
  }
  EXPECT_GE(dns.udp_source_ports(), 10u);
}

// An answer whose question is not the query's (another name, type or class)
// is dropped as if never received: the real answer after it is taken, and
// without one the query times out. The same question in other case is an
// answer (the positive control: decoys do arrive and are read).
TEST(CaresResolver, AnAnswerToAnotherQuestionIsIgnored) {
  struct Case {
    std::string label;
    std::string decoy_name;
    unsigned decoy_type = 0, decoy_class = 0;
  } cases[] = {
      {"name", "_amazonses.evil.example", 0, 0},
      {"type", "", 1, 0},   // A instead of TXT
      {"class", "", 0, 3},  // CH instead of IN
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    for (bool real_follows : {true, false}) {
      Reply r;
      r.txt = {{"real"}};
      r.decoy = true;
      r.decoy_name = c.decoy_name;
      r.decoy_type = c.decoy_type;
      r.decoy_class = c.decoy_class;
      r.drop = !real_follows;
      TestDns dns(table({{"_amazonses.example.com", r}}));
      auto res = make({dns.address()}, milliseconds(300), 1);
      ASSERT_TRUE(res);
      auto a = ask_one(*res, "_amazonses.example.com");
      if (real_follows) {
        EXPECT_EQ(a.kind, Kind::kRecords);
        EXPECT_EQ(a.records, std::vector<std::string>{"real"});
      } else {
        EXPECT_EQ(a.kind, Kind::kTimeout);
      }
    }
  }
  Reply same;
  same.txt = {{"real"}};
  same.decoy = true;
  same.decoy_name = "_AMAZONSES.Example.COM";
  TestDns dns(table({{"_amazonses.example.com", same}}));
  auto res = make({dns.address()}, milliseconds(300), 1);
  ASSERT_TRUE(res);
  EXPECT_EQ(ask_one(*res, "_amazonses.example.com").records, std::vector<std::string>{"spoofed"});
}

TEST(CaresResolver, NoData) {
  TestDns dns(table({{"empty.example.com", Reply{0, {}}}}));
  auto r = make({dns.address()});
  ASSERT_TRUE(r);
  auto a = ask_one(*r, "empty.example.com");
  EXPECT_EQ(a.kind, Kind::kNoData);
  EXPECT_TRUE(a.records.empty());
}

TEST(CaresResolver, NoDataAfterACname) {
  Reply r;
  r.cname = "elsewhere.example.net";  // CNAME, but no TXT at the target
  TestDns dns(table({{"alias.example.com", r}}));
  auto res = make({dns.address()});
  ASSERT_TRUE(res);
  auto a = ask_one(*res, "alias.example.com");
  EXPECT_EQ(a.kind, Kind::kNoData);
  EXPECT_TRUE(a.records.empty());
}

TEST(CaresResolver, ServFailIsReturnedAtOnceWithoutRetry) {
  TestDns dns(table({{"broken.example.com", Reply{2, {}}}}));
  // A retry would wait out the per-try timeout: 30 s, far past the bound
  // below, which a stalled machine (seconds, seen here) stays under.
  auto r = make({dns.address()}, milliseconds(30000), 3);
  ASSERT_TRUE(r);
  const auto start = Clock::now();
  auto a = ask_one(*r, "broken.example.com");
  EXPECT_EQ(a.kind, Kind::kServFail);
  EXPECT_LT(Clock::now() - start, milliseconds(15000));
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(dns.udp_queries("broken.example.com"), 1);
  EXPECT_EQ(dns.tcp_queries("broken.example.com"), 0);
}

TEST(CaresResolver, RefusedIsReturnedAtOnceWithoutRetry) {
  TestDns dns(table({{"notmine.example.org", Reply{5, {}}}}));
  // A retry would wait out the per-try timeout: 30 s, far past the bound
  // below, which a stalled machine (seconds, seen here) stays under.
  auto r = make({dns.address()}, milliseconds(30000), 3);
  ASSERT_TRUE(r);
  const auto start = Clock::now();
  auto a = ask_one(*r, "notmine.example.org");
  EXPECT_EQ(a.kind, Kind::kRefused);
  EXPECT_LT(Clock::now() - start, milliseconds(15000));
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(dns.udp_queries("notmine.example.org"), 1);
}

TEST(CaresResolver, SilenceTimesOutAfterTheTries) {
  TestDns dns([](const std::string&) {
    Reply r;
    r.drop = true;
    return r;
  });
  auto r = make({dns.address()}, milliseconds(200), 3);
  ASSERT_TRUE(r);
  const auto start = Clock::now();
  auto a = ask_one(*r, "silent.example.com");
  const auto took = Clock::now() - start;
  EXPECT_EQ(a.kind, Kind::kTimeout);
  EXPECT_TRUE(a.records.empty());
  EXPECT_EQ(dns.udp_queries("silent.example.com"), 3);  // one per try
  EXPECT_GE(took, milliseconds(3 * 200 - 50));
  EXPECT_LT(took, milliseconds(8000));
}

TEST(CaresResolver, TruncatedUdpAnswerIsFetchedOverTcp) {
  std::vector<std::vector<std::string>> many;
  for (int i = 0; i < 12; ++i) many.push_back({std::string(250, static_cast<char>('a' + i))});
  many.push_back({"the-token"});
  Reply r;
  r.txt = many;
  r.truncate_udp = true;
  TestDns dns(table({{"big.example.com", r}}));
  auto res = make({dns.address()});
  ASSERT_TRUE(res);
  auto a = ask_one(*res, "big.example.com");
  EXPECT_EQ(a.kind, Kind::kRecords);
  ASSERT_EQ(a.records.size(), 13u);
  EXPECT_EQ(a.records[12], "the-token");
  EXPECT_EQ(a.records[3], std::string(250, 'd'));
  EXPECT_EQ(dns.udp_queries("big.example.com"), 1);
  EXPECT_EQ(dns.tcp_queries("big.example.com"), 1);
}

TEST(CaresResolver, EachPerspectiveAnswersForItself) {
  TestDns found(table({{"_amazonses.x.com", Reply{0, {{"tok"}}}}}));
  TestDns absent(table({}));
  TestDns failing(table({{"_amazonses.x.com", Reply{2, {}}}}));
  TestDns silent([](const std::string&) {
    Reply r;
    r.drop = true;
    return r;
  });
  auto r = make({found.address(), absent.address(), failing.address(), silent.address()},
                milliseconds(300), 2);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->perspectives(), 4u);
  auto a = ask(*r, "_amazonses.x.com");
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(a[0].resolver, found.address());
  EXPECT_EQ(a[0].kind, Kind::kRecords);
  EXPECT_EQ(a[0].records, std::vector<std::string>{"tok"});
  EXPECT_EQ(a[1].resolver, absent.address());
  EXPECT_EQ(a[1].kind, Kind::kNxDomain);
  EXPECT_EQ(a[2].resolver, failing.address());
  EXPECT_EQ(a[2].kind, Kind::kServFail);
  EXPECT_EQ(a[3].resolver, silent.address());
  EXPECT_EQ(a[3].kind, Kind::kTimeout);
  // Every perspective was asked once (a timeout retries only its own server).
  EXPECT_EQ(found.udp_queries("_amazonses.x.com"), 1);
  EXPECT_EQ(absent.udp_queries("_amazonses.x.com"), 1);
  EXPECT_EQ(failing.udp_queries("_amazonses.x.com"), 1);
  EXPECT_EQ(silent.udp_queries("_amazonses.x.com"), 2);
}

// Lookups all started at once, each answered with its own name.
void many_lookups_in_flight(size_t queries_per_port) {
  TestDns dns([](const std::string& name) {
    Reply r;
    r.txt = {{"v=" + name}};
    return r;
  });
  // One try: a lost query or answer shows as a timeout, not as a retry.
  auto r = make({dns.address()}, milliseconds(5000), 1, queries_per_port);
  ASSERT_TRUE(r);
  constexpr int kN = 200;
  std::vector<std::future<std::vector<DnsAnswer>>> fs;
  for (int i = 0; i < kN; ++i) {
    auto p = std::make_shared<std::promise<std::vector<DnsAnswer>>>();
    fs.push_back(p->get_future());
    r->lookup("n" + std::to_string(i) + ".example.com", core::RecordType::kTxt,
              [p](std::vector<DnsAnswer> a) { p->set_value(std::move(a)); });
  }
  for (int i = 0; i < kN; ++i) {
    ASSERT_EQ(fs[i].wait_for(std::chrono::seconds(20)), std::future_status::ready) << i;
    auto a = fs[i].get();
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].kind, Kind::kRecords);
    EXPECT_EQ(a[0].records, std::vector<std::string>{"v=n" + std::to_string(i) + ".example.com"});
    EXPECT_EQ(dns.udp_queries("n" + std::to_string(i) + ".example.com"), 1);
  }
}

// A port per query: every answer found on its lingering port.
TEST(CaresResolver, ManyLookupsInFlightAtOnce) { many_lookups_in_flight(1); }

TEST(CaresResolver, ManyLookupsInFlightSharingPorts) { many_lookups_in_flight(7); }

TEST(CaresResolver, ManyLookupsInFlightOnOnePort) { many_lookups_in_flight(1000); }

TEST(CaresResolver, DestroyingWithLookupsInFlightAnswersThemOnce) {
  TestDns dns([](const std::string&) {
    Reply r;
    r.drop = true;
    return r;
  });
  auto r = make({dns.address()}, milliseconds(30000), 2);
  ASSERT_TRUE(r);
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto kind = std::make_shared<std::atomic<int>>(-1);
  r->lookup("pending.example.com", core::RecordType::kTxt, [calls, kind](std::vector<DnsAnswer> a) {
    calls->fetch_add(1);
    if (!a.empty()) kind->store(static_cast<int>(a[0].kind));
  });
  std::this_thread::sleep_for(milliseconds(100));
  const auto start = Clock::now();
  r.reset();
  EXPECT_LT(Clock::now() - start, milliseconds(15000));  // not the 30 s timeout
  EXPECT_EQ(calls->load(), 1);
  EXPECT_NE(kind->load(), static_cast<int>(Kind::kRecords));
}

TEST(CaresResolver, BadServerAddressIsRefused) {
  ResolverOptions o;
  o.servers = {"not an address"};
  auto r = CaresResolver::create(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("not an address"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace vouch::verify::dns
