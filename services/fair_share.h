#ifndef CASEBRIDGE_SERVICES_FAIR_SHARE_H_
#define CASEBRIDGE_SERVICES_FAIR_SHARE_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "domain/principal.h"

namespace casebridge::services {

// How many calls one caller may have in progress on this server at once.
// Each server counts its own calls (servers share nothing); with N servers
// behind a load balancer a caller's share is up to N times these.
struct FairShareOptions {
  // Per signed-in user. A user's calls beyond the database pool only wait
  // for connections others need, so the share is a part of the pool:
  // 0 means a quarter of it, at least 2 (ResolvedFor).
  int max_calls_per_user = 0;
  // Per agency (all its users together), so one partner's staff cannot
  // take the server from the police, nor the reverse. 0: three quarters of
  // the pool.
  int max_calls_per_agency = 0;
  // Calls that present no valid credential, all together (the enrolment
  // code redemption, and whatever is refused at sign-in). 0: a quarter of
  // the pool, at least 2, so they can never hold every connection.
  int max_anonymous_calls = 0;
  // Expensive calls (verifying the whole audit log) on the server at once,
  // and per user.
  int max_expensive_calls = 2;
  int max_expensive_calls_per_user = 1;
};

// The limits with those left 0 derived from the database pool's size.
FairShareOptions ResolvedFor(FairShareOptions options, int pool_size);

// How much of the server a call may take.
enum class CallCost {
  kOrdinary,
  // Walks a large part of the database (VerifyAuditLog).
  kExpensive,
};

// Admits calls within each caller's share and refuses the rest at once
// with RESOURCE_EXHAUSTED saying which share is used up, so that no user,
// agency or anonymous flood can take every thread and connection from the
// others. Admission costs a mutex, no I/O. Thread-safe.
class FairShare {
 public:
  // Releases the admitted call's place when destroyed.
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& other) noexcept { *this = std::move(other); }
    Ticket& operator=(Ticket&& other) noexcept;
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket();

   private:
    friend class FairShare;
    FairShare* owner_ = nullptr;
    std::string user_;    // "" for anonymous
    std::string agency_;  // "" for anonymous
    bool expensive_ = false;
  };

  explicit FairShare(FairShareOptions options) : options_(options) {}

  // `principal` unauthenticated (no user_id) counts against the anonymous
  // budget.
  absl::StatusOr<Ticket> Admit(const domain::Principal& principal, CallCost cost);

  // Calls in progress now (tests, metrics).
  int InFlightForUser(const std::string& user_id);
  const FairShareOptions& options() const { return options_; }

 private:
  void Release(const Ticket& ticket);

  const FairShareOptions options_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, int> per_user_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int> per_agency_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int> expensive_per_user_ ABSL_GUARDED_BY(mu_);
  int anonymous_ ABSL_GUARDED_BY(mu_) = 0;
  int expensive_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace casebridge::services

#endif  // CASEBRIDGE_SERVICES_FAIR_SHARE_H_
