#ifndef CASEBRIDGE_CLIENTS_LOAD_HISTOGRAM_H_
#define CASEBRIDGE_CLIENTS_LOAD_HISTOGRAM_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace casebridge::load {

// A log-bucketed latency histogram in the spirit of HdrHistogram: values in
// nanoseconds, 64 linear sub-buckets per power of two, so any recorded value
// is reported within 1/64 (1.6%) of itself. Fixed size (about 30 KB), no
// allocation after construction; one per client thread, merged at the end.
class LatencyHistogram {
 public:
  LatencyHistogram() : counts_(kBuckets, 0) {}

  void Record(int64_t nanos) {
    uint64_t v = nanos < 1 ? 1 : static_cast<uint64_t>(nanos);
    ++counts_[Index(v)];
    ++count_;
    sum_ += static_cast<double>(v);
    max_ = std::max(max_, v);
  }

  void Merge(const LatencyHistogram& other) {
    for (int i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
    count_ += other.count_;
    sum_ += other.sum_;
    max_ = std::max(max_, other.max_);
  }

  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }
  double mean() const { return count_ == 0 ? 0 : sum_ / count_; }

  // The value at percentile p (0-100], in nanoseconds: the middle of the
  // bucket holding the ceil(p% of count)-th smallest value, never above max.
  double Percentile(double p) const {
    if (count_ == 0) return 0;
    uint64_t rank = static_cast<uint64_t>(std::ceil(p / 100.0 * count_));
    rank = std::clamp<uint64_t>(rank, 1, count_);
    uint64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) {
        return std::min<double>(static_cast<double>(max_), Middle(i));
      }
    }
    return static_cast<double>(max_);
  }

 private:
  static constexpr int kSubBits = 6;
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kBuckets = (64 - kSubBits + 1) * kSub;

  static int Index(uint64_t v) {
    if (v < kSub) return static_cast<int>(v);
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - kSubBits;
    int sub = static_cast<int>((v >> shift) & (kSub - 1));
    return (shift + 1) * kSub + sub;
  }

  static double Middle(int index) {
    if (index < kSub) return index;
    int shift = index / kSub - 1;
    uint64_t low = static_cast<uint64_t>(kSub + index % kSub) << shift;
    return static_cast<double>(low) + static_cast<double>(uint64_t{1} << shift) / 2;
  }

  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  double sum_ = 0;
  uint64_t max_ = 0;
};

}  // namespace casebridge::load

#endif  // CASEBRIDGE_CLIENTS_LOAD_HISTOGRAM_H_
