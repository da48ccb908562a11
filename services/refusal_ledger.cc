#include "services/refusal_ledger.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace casebridge::services {

std::string PeerHost(absl::string_view peer) {
  // "ipv4:1.2.3.4:5678", "ipv6:[::1]:5678", "unix:/path" (no port).
  if (absl::StartsWith(peer, "ipv4:") || absl::StartsWith(peer, "ipv6:")) {
    size_t colon = peer.rfind(':');
    if (colon != absl::string_view::npos && colon > 5) return std::string(peer.substr(0, colon));
  }
  return std::string(peer);
}

RefusalLedger::RefusalLedger(storage::AuditLog* log, absl::Duration window)
    : log_(log), window_(window) {}

RefusalLedger::~RefusalLedger() { Stop(); }

void RefusalLedger::Start() {
  if (started_) return;
  started_ = true;
  thread_ = std::thread([this] { Loop(); });
}

void RefusalLedger::Stop() {
  if (started_) {
    stop_.Notify();
    thread_.join();
    started_ = false;
  }
  Flush(/*all=*/true);
}

std::string RefusalLedger::KindKey(const storage::AuditEvent& event) {
  // The credential is part of the caller: a summary names the one that acted.
  const std::string caller =
      event.user_id.empty() ? absl::StrCat("peer ", PeerHost(event.peer))
                            : absl::StrCat("user ", event.user_id, " ", event.credential);
  // Unknown methods are one kind whatever their (caller-chosen) names, or a
  // flood of made-up names would cost a row per call.
  const absl::string_view method = event.outcome == "UNIMPLEMENTED"
                                        ? absl::string_view("(unknown method)")
                                        : absl::string_view(event.method);
  return absl::StrCat(caller, "|", method, "|", event.outcome);
}

bool RefusalLedger::CountLocked(const storage::AuditEvent& event) {
  const absl::Time now = absl::Now();
  // The kind under `key`, its window closed (then its summary goes out with
  // the next flush) or still open.
  auto open_kind = [&](const std::string& key) {
    auto it = kinds_.find(key);
    if (it != kinds_.end() && now - it->second.window_start >= window_) {
      if (it->second.counted > 0) to_write_.push_back(Summary(it->second));
      kinds_.erase(it);
      it = kinds_.end();
    }
    return it;
  };
  std::string key = KindKey(event);
  auto it = open_kind(key);
  if (it == kinds_.end() && kinds_.size() >= kMaxKinds) {
    // Too many kinds at once (a flood from many callers): the rest of the
    // window's refusals of this method and outcome share one kind that
    // names no caller and counts how many callers it stands for.
    storage::AuditEvent catch_all = event;
    catch_all.user_id.clear();
    catch_all.peer = "*";
    key = KindKey(catch_all);
    it = open_kind(key);
    if (it == kinds_.end()) {
      Kind kind;
      kind.window_start = now;
      kind.catch_all = true;
      it = kinds_.emplace(key, std::move(kind)).first;
    }
  }
  if (it == kinds_.end()) {
    // The first of its kind in this window: the caller writes it.
    Kind kind;
    kind.window_start = now;
    kinds_.emplace(key, std::move(kind));
    return true;
  }
  Kind& kind = it->second;
  if (kind.counted++ == 0) {
    kind.first_counted = event;
    if (kind.catch_all) {
      // Nobody in particular: the callers are many.
      storage::AuditEvent& e = kind.first_counted;
      e.user_id.clear();
      e.username.clear();
      e.agency_id.clear();
      e.credential.clear();
      e.roles.clear();
      e.peer = "*";
      e.resources.clear();
      e.case_id.clear();
      e.case_reference.clear();
      e.case_owner_agency_id.clear();
    }
  }
  if (kind.catch_all && kind.callers.size() < kMaxKinds * 10) {
    kind.callers.insert(KindKey(event));
  }
  kind.last_time = event.time;
  return false;
}

bool RefusalLedger::Count(const storage::AuditEvent& event) {
  absl::MutexLock lock(&mu_);
  return CountLocked(event);
}

void RefusalLedger::CountWithoutWaiting(const storage::AuditEvent& event) {
  absl::MutexLock lock(&mu_);
  if (CountLocked(event)) to_write_.push_back(event);
}

storage::AuditEvent RefusalLedger::Summary(const Kind& kind) {
  storage::AuditEvent e = kind.first_counted;
  e.call_count = kind.counted;
  auto at = [](absl::Time t) {
    return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
  };
  e.message = absl::StrCat(
      kind.counted, kind.counted == 1 ? " more call" : " more calls",
      kind.catch_all ? absl::StrCat(" from ", kind.callers.size(), " callers") : "",
      " refused like this from ", at(kind.first_counted.time), " to ",
      at(kind.last_time), " (first: ", kind.first_counted.message, ")");
  if (e.message.size() > 1000) e.message.resize(1000);
  e.content_disclosed = false;
  e.changed_fields.clear();
  return e;
}

void RefusalLedger::Flush(bool all) {
  absl::MutexLock flush_lock(&flush_mu_);
  std::vector<storage::AuditEvent> events;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = absl::Now();
    for (auto it = kinds_.begin(); it != kinds_.end();) {
      if (all || now - it->second.window_start >= window_) {
        if (it->second.counted > 0) to_write_.push_back(Summary(it->second));
        kinds_.erase(it++);
      } else {
        ++it;
      }
    }
    events.swap(to_write_);
  }
  for (storage::AuditEvent& e : events) {
    absl::Status s = log_->AppendDurably(std::move(e), absl::Now() + absl::Seconds(30));
    if (!s.ok()) {
      // Nothing else can hold them: say so where an operator will look.
      spdlog::error("audit: a summary of refused calls could not be written: {}",
                    s.ToString());
    }
  }
}

void RefusalLedger::Loop() {
  while (!stop_.WaitForNotificationWithTimeout(window_ / 2)) Flush(/*all=*/false);
}

}  // namespace casebridge::services
