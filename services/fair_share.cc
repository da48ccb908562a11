#include "services/fair_share.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace casebridge::services {
namespace {

// Decrements and forgets keys at zero, so the maps hold only callers with
// calls in progress.
void Decrement(absl::flat_hash_map<std::string, int>& counts, const std::string& key) {
  auto it = counts.find(key);
  if (it == counts.end()) return;
  if (--it->second <= 0) counts.erase(it);
}

int CountOf(const absl::flat_hash_map<std::string, int>& counts,
            const std::string& key) {
  auto it = counts.find(key);
  return it == counts.end() ? 0 : it->second;
}

}  // namespace

FairShareOptions ResolvedFor(FairShareOptions o, int pool_size) {
  if (o.max_calls_per_user <= 0) o.max_calls_per_user = std::max(2, pool_size / 4);
  if (o.max_anonymous_calls <= 0) o.max_anonymous_calls = std::max(2, pool_size / 4);
  if (o.max_calls_per_agency <= 0) {
    o.max_calls_per_agency = std::max(o.max_calls_per_user, pool_size * 3 / 4);
  }
  return o;
}

FairShare::Ticket& FairShare::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    if (owner_ != nullptr) owner_->Release(*this);
    owner_ = other.owner_;
    user_ = std::move(other.user_);
    agency_ = std::move(other.agency_);
    expensive_ = other.expensive_;
    other.owner_ = nullptr;
  }
  return *this;
}

FairShare::Ticket::~Ticket() {
  if (owner_ != nullptr) owner_->Release(*this);
}

absl::StatusOr<FairShare::Ticket> FairShare::Admit(const domain::Principal& principal,
                                                   CallCost cost) {
  const bool expensive = cost == CallCost::kExpensive;
  absl::MutexLock lock(&mu_);
  if (!principal.authenticated()) {
    if (anonymous_ >= options_.max_anonymous_calls) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "the server is answering ", anonymous_,
          " calls without a valid credential already, its limit; sign in, or "
          "try again shortly"));
    }
  } else {
    if (CountOf(per_user_, principal.user_id) >= options_.max_calls_per_user) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "you have ", options_.max_calls_per_user,
          " calls in progress on this server, your fair share; wait for them "
          "to finish before starting more"));
    }
    if (CountOf(per_agency_, principal.agency_id) >= options_.max_calls_per_agency) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "your agency (",
          principal.agency_name.empty() ? principal.agency_id : principal.agency_name,
          ") has ", options_.max_calls_per_agency,
          " calls in progress on this server, its fair share; try again shortly"));
    }
  }
  if (expensive) {
    if (expensive_ >= options_.max_expensive_calls) {
      return absl::ResourceExhaustedError(absl::StrCat(
          expensive_,
          " expensive calls (such as verifying the whole audit log) are "
          "running on this server, its limit; try again in a minute"));
    }
    if (CountOf(expensive_per_user_, principal.user_id) >=
        options_.max_expensive_calls_per_user) {
      return absl::ResourceExhaustedError(
          "you already have an expensive call (such as verifying the audit "
          "log) in progress; wait for it to finish");
    }
  }

  Ticket ticket;
  ticket.owner_ = this;
  ticket.expensive_ = expensive;
  if (principal.authenticated()) {
    ticket.user_ = principal.user_id;
    ticket.agency_ = principal.agency_id;
    ++per_user_[principal.user_id];
    ++per_agency_[principal.agency_id];
  } else {
    ++anonymous_;
  }
  if (expensive) {
    ++expensive_;
    ++expensive_per_user_[principal.user_id];
  }
  return ticket;
}

void FairShare::Release(const Ticket& ticket) {
  absl::MutexLock lock(&mu_);
  if (ticket.user_.empty()) {
    --anonymous_;
  } else {
    Decrement(per_user_, ticket.user_);
    Decrement(per_agency_, ticket.agency_);
  }
  if (ticket.expensive_) {
    --expensive_;
    Decrement(expensive_per_user_, ticket.user_);
  }
}

int FairShare::InFlightForUser(const std::string& user_id) {
  absl::MutexLock lock(&mu_);
  return CountOf(per_user_, user_id);
}

}  // namespace casebridge::services
