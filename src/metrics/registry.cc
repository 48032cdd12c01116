#include "metrics/registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace vouch::metrics {

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), buckets_(new std::atomic<uint64_t>[bounds.size()]) {
  for (size_t i = 0; i < bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double v) {
  // The first bound at or above v; none: only +Inf (count) holds it.
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  if (it != bounds_.end()) buckets_[it - bounds_.begin()].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::cumulative() const {
  std::vector<uint64_t> out;
  out.reserve(bounds_.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    out.push_back(total);
  }
  // Read apart from the buckets: an observation between the reads must not
  // leave +Inf below the last bucket.
  out.push_back(std::max(total, count()));
  return out;
}

const std::vector<double>& latency_buckets() {
  static const std::vector<double> b{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                     0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return b;
}

template <typename T>
T& Family<T>::with(std::initializer_list<std::string_view> values) {
  if (values.size() != labels_.size()) throw std::logic_error("metrics: wrong number of labels");
  {
    std::shared_lock lock(mu_);
    auto it = series_.find(values);
    if (it != series_.end()) return *it->second;
  }
  std::unique_lock lock(mu_);
  std::vector<std::string> key(values.begin(), values.end());
  if (series_.size() >= kMaxSeries && !series_.count(key)) {
    key.assign(labels_.size(), "other");
  }
  auto& slot = series_[key];
  if (!slot) slot = make_();
  return *slot;
}

template <typename T>
void Family<T>::each(
    const std::function<void(const std::vector<std::string>&, const T&)>& fn) const {
  std::shared_lock lock(mu_);
  for (const auto& [values, series] : series_) fn(values, *series);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Registry::Entry& Registry::entry(const std::string& name, const std::string& help, Type type) {
  for (auto& e : entries_) {
    if (e->name != name) continue;
    if (e->type != type) throw std::logic_error("metrics: " + name + " registered as two types");
    return *e;
  }
  entries_.push_back(std::make_unique<Entry>());
  Entry& e = *entries_.back();
  e.name = name;
  e.help = help;
  e.type = type;
  return e;
}

Family<Counter>& Registry::counter(const std::string& name, const std::string& help,
                                   std::vector<std::string> labels) {
  std::lock_guard lock(mu_);
  Entry& e = entry(name, help, Type::kCounter);
  if (!e.counters) {
    e.counters = std::make_unique<Family<Counter>>(std::move(labels),
                                                   [] { return std::make_unique<Counter>(); });
  }
  return *e.counters;
}

Family<Gauge>& Registry::gauge(const std::string& name, const std::string& help,
                               std::vector<std::string> labels) {
  std::lock_guard lock(mu_);
  Entry& e = entry(name, help, Type::kGauge);
  if (!e.gauges) {
    e.gauges = std::make_unique<Family<Gauge>>(std::move(labels),
                                               [] { return std::make_unique<Gauge>(); });
  }
  return *e.gauges;
}

Family<Histogram>& Registry::histogram(const std::string& name, const std::string& help,
                                       std::vector<std::string> labels,
                                       const std::vector<double>& bounds) {
  std::lock_guard lock(mu_);
  Entry& e = entry(name, help, Type::kHistogram);
  if (!e.histograms) {
    e.bounds = bounds;
    std::sort(e.bounds.begin(), e.bounds.end());
    const std::vector<double>* b = &e.bounds;
    e.histograms = std::make_unique<Family<Histogram>>(
        std::move(labels), [b] { return std::make_unique<Histogram>(*b); });
  }
  return *e.histograms;
}

void Registry::gauge_fn(const std::string& name, const std::string& help,
                        std::function<double()> read) {
  std::lock_guard lock(mu_);
  entry(name, help, Type::kGauge).read = std::move(read);
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

namespace {

std::string escape_help(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// {a="x",b="y"}, with `extra` (le="...") last; "" when there are no labels.
std::string label_set(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      std::string_view extra = {}) {
  if (names.empty() && extra.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ',';
    out += names[i] + "=\"" + escape_label_value(values[i]) + '"';
  }
  if (!extra.empty()) {
    if (!names.empty()) out += ',';
    out += extra;
  }
  return out + "}";
}

const char* type_name(Type t) {
  switch (t) {
    case Type::kCounter: return "counter";
    case Type::kGauge: return "gauge";
    case Type::kHistogram: return "histogram";
  }
  return "untyped";
}

}  // namespace

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  // Plain decimals in the usual range (le="0.0005", not "5e-04"), shortest exact.
  const double a = std::fabs(v);
  const auto fmt = (a == 0 || (a >= 1e-6 && a < 1e15)) ? std::chars_format::fixed
                                                       : std::chars_format::general;
  auto r = std::to_chars(buf, buf + sizeof(buf), v, fmt);
  return std::string(buf, r.ptr);
}

std::string Registry::expose() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& e : entries_) {
    out += "# HELP " + e->name + ' ' + escape_help(e->help) + '\n';
    out += "# TYPE " + e->name + ' ' + type_name(e->type) + '\n';
    const std::string& n = e->name;
    if (e->read) out += n + ' ' + format_value(e->read()) + '\n';
    if (e->counters) {
      e->counters->each([&](const auto& values, const Counter& c) {
        out += n + label_set(e->counters->labels(), values) + ' ' + std::to_string(c.value()) +
               '\n';
      });
    }
    if (e->gauges) {
      e->gauges->each([&](const auto& values, const Gauge& g) {
        out += n + label_set(e->gauges->labels(), values) + ' ' + format_value(g.value()) + '\n';
      });
    }
    if (e->histograms) {
      const auto& labels = e->histograms->labels();
      e->histograms->each([&](const auto& values, const Histogram& h) {
        const auto counts = h.cumulative();
        for (size_t i = 0; i < counts.size(); ++i) {
          const std::string le = i < e->bounds.size() ? format_value(e->bounds[i])
                                                      : std::string("+Inf");
          out += n + "_bucket" + label_set(labels, values, "le=\"" + le + '"') + ' ' +
                 std::to_string(counts[i]) + '\n';
        }
        out += n + "_sum" + label_set(labels, values) + ' ' + format_value(h.sum()) + '\n';
        out += n + "_count" + label_set(labels, values) + ' ' + std::to_string(counts.back()) +
               '\n';
      });
    }
  }
  return out;
}

}  // namespace vouch::metrics
