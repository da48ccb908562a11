#ifndef CASEBRIDGE_SERVICES_CLOCK_H_
#define CASEBRIDGE_SERVICES_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace casebridge::services {

// Where "now" comes from. Domain logic takes the time as an argument; the
// services read it here once per call, so tests can fix it.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

class SystemClock : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

// A clock tests set by hand. Starts at real time unless told otherwise.
class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::Now()) : now_(start) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_;
};

}  // namespace casebridge::services

#endif  // CASEBRIDGE_SERVICES_CLOCK_H_
