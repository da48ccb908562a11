#ifndef CASEBRIDGE_SERVICES_REFUSAL_LEDGER_H_
#define CASEBRIDGE_SERVICES_REFUSAL_LEDGER_H_

#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "storage/audit_log.h"

namespace casebridge::services {

// Accounts in the audit log for calls refused at the door — no valid
// credential, over the caller's fair share, unreadable — without one row
// per call when they come in floods. Every such call is on the record, but
// a flood of them costs the log one event per caller, method and outcome
// per window instead of one per call:
//  - the first refusal of its kind in a window is written by its caller as
//    any event is (durably, before the answer);
//  - the rest are counted into one summary event (AuditEvent::call_count,
//    the window's first and last times in its message), written when the
//    window closes, by a thread of this ledger, and at Stop().
// "Its kind" is the caller (the user and the credential, or the peer's
// address without its port when there is no user), the method (all unknown
// methods are one) and the outcome. A refusal
// counted but not yet written is lost only if the process dies within the
// window (at most `window`); docs/AUDIT.md says so.
class RefusalLedger {
 public:
  // At most this many kinds are counted at once; beyond it, refusals of a
  // method from new callers share one catch-all kind (peer "*").
  static constexpr size_t kMaxKinds = 10000;

  RefusalLedger(storage::AuditLog* log, absl::Duration window);
  ~RefusalLedger();

  void Start();
  // Writes every summary, counted or pending, and stops the thread.
  void Stop();

  // True when the caller must write `event` itself (the first of its kind
  // in the window); false when it has been counted into the summary.
  bool Count(const storage::AuditEvent& event);

  // For callers that must not block on the log (a callback reactor): the
  // event is counted like Count() does, and if it is the first of its
  // kind, queued to be written by the ledger's thread.
  void CountWithoutWaiting(const storage::AuditEvent& event);

  // Writes the summaries of closed windows (every window with `all`) and
  // the queued events. Tests call it to make the log complete.
  void Flush(bool all);

 private:
  struct Kind {
    absl::Time window_start;  // absl::Now() when the window opened
    int64_t counted = 0;      // refusals beyond the first
    storage::AuditEvent first_counted;
    absl::Time last_time;     // the last counted event's time
    // The catch-all kind beyond kMaxKinds: names no caller, counts them.
    bool catch_all = false;
    absl::flat_hash_set<std::string> callers;
  };

  static std::string KindKey(const storage::AuditEvent& event);
  // Under mu_: counts; true when this is the first of its kind.
  bool CountLocked(const storage::AuditEvent& event)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static storage::AuditEvent Summary(const Kind& kind);
  void Loop();

  storage::AuditLog* log_;
  const absl::Duration window_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Kind> kinds_ ABSL_GUARDED_BY(mu_);
  std::vector<storage::AuditEvent> to_write_ ABSL_GUARDED_BY(mu_);
  absl::Mutex flush_mu_;  // one flush at a time
  std::thread thread_;
  absl::Notification stop_;
  bool started_ = false;
};

// The caller's address without its port ("ipv4:10.0.0.7"), so a flood from
// one host over many connections counts as one caller.
std::string PeerHost(absl::string_view peer);

}  // namespace casebridge::services

#endif  // CASEBRIDGE_SERVICES_REFUSAL_LEDGER_H_
