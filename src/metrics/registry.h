// Prometheus metrics: counters, gauges and histograms in families with a
// fixed set of label names, exposed in the text format 0.0.4. Each series is
// atomics, so updating one takes no lock; finding a series by its label
// values takes a shared lock (hold on to the returned reference on hot paths).
//
// Use: make one Registry (main.cc), hand it to whatever reports, and
//   auto& sent = registry.counter("vouch_webhook_deliveries_total",
//                                 "Webhook delivery attempts.", {"result"});
//   sent.with({"2xx"}).inc();
// Registering a name again returns the same family (its help, labels and
// buckets must match). Label values must come from a fixed set (never a
// domain, account or address): past kMaxSeries a family's new series all
// fold into one whose every label value is "other".
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace vouch::metrics {

class Counter {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double v) { value_.fetch_add(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(const std::vector<double>& bounds);  // sorted upper bounds, +Inf implied
  void observe(double v);
  // Cumulative counts per bound, then +Inf (= count).
  std::vector<uint64_t> cumulative() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double>& bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // per bound, not cumulative
  std::atomic<double> sum_{0};
  std::atomic<uint64_t> count_{0};
};

// Seconds from 0.5 ms to 10 s: HTTP requests, DNS lookups, store commits.
const std::vector<double>& latency_buckets();

enum class Type { kCounter, kGauge, kHistogram };

// The series of one metric name, by label values.
template <typename T>
class Family {
 public:
  static constexpr size_t kMaxSeries = 1000;

  Family(std::vector<std::string> labels, std::function<std::unique_ptr<T>()> make)
      : labels_(std::move(labels)), make_(std::move(make)) {}
  // The series for these label values (as many as the family has labels).
  T& with(std::initializer_list<std::string_view> values);
  const std::vector<std::string>& labels() const { return labels_; }
  // Each series with its label values, in label order.
  void each(const std::function<void(const std::vector<std::string>&, const T&)>& fn) const;

 private:
  const std::vector<std::string> labels_;
  const std::function<std::unique_ptr<T>()> make_;
  mutable std::shared_mutex mu_;
  // Label values in order; found by views too, so a lookup allocates nothing.
  struct Less {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return std::lexicographical_compare(
          a.begin(), a.end(), b.begin(), b.end(),
          [](std::string_view x, std::string_view y) { return x < y; });
    }
  };
  std::map<std::vector<std::string>, std::unique_ptr<T>, Less> series_;  // GUARDED_BY(mu_)
};

class Registry {
 public:
  Family<Counter>& counter(const std::string& name, const std::string& help,
                           std::vector<std::string> labels = {});
  Family<Gauge>& gauge(const std::string& name, const std::string& help,
                       std::vector<std::string> labels = {});
  Family<Histogram>& histogram(const std::string& name, const std::string& help,
                               std::vector<std::string> labels = {},
                               const std::vector<double>& bounds = latency_buckets());
  // A gauge read when scraped (an outbox's depth, the process's memory).
  // `read` runs on the scraping thread; it must be quick and bounded.
  void gauge_fn(const std::string& name, const std::string& help, std::function<double()> read);

  // Every metric in the text exposition format 0.0.4, in registration order.
  std::string expose() const;
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  struct Entry {
    std::string name;
    std::string help;
    Type type;
    std::unique_ptr<Family<Counter>> counters;
    std::unique_ptr<Family<Gauge>> gauges;
    std::unique_ptr<Family<Histogram>> histograms;
    std::vector<double> bounds;
    std::function<double()> read;
  };
  Entry& entry(const std::string& name, const std::string& help, Type type);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Entry>> entries_;  // GUARDED_BY(mu_)
};

// For the exposition and its tests.
std::string escape_label_value(std::string_view v);  // \ " and newline escaped
std::string format_value(double v);                  // +Inf, -Inf, NaN, shortest decimal

}  // namespace vouch::metrics
