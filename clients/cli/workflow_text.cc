#include "clients/cli/workflow_text.h"

#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/cli/output.h"

namespace casebridge::cli {
namespace {

// Days from `from` to `date` (negative when before); `date` is set.
int64_t DaysUntil(const v1::Date& date, absl::CivilDay from) {
  return absl::CivilDay(date.year(), date.month(), date.day()) - from;
}

bool IsSet(const v1::Date& date) {
  return date.year() != 0 || date.month() != 0 || date.day() != 0;
}

std::string Plural(int64_t n, absl::string_view one, absl::string_view many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

bool IsSetTime(const google::protobuf::Timestamp& ts) {
  return ts.seconds() != 0 || ts.nanos() != 0;
}

// What the defendant must notify for an obligation's trigger.
std::string WhatToNotify(v1::OrderNotificationTrigger trigger) {
  switch (trigger) {
    case v1::ORDER_NOTIFICATION_TRIGGER_NAME_CHANGE:
      return "the new name, within 3 days of the change";
    case v1::ORDER_NOTIFICATION_TRIGGER_ADDRESS_CHANGE:
      return "the new home address, within 3 days of the change";
    default:
      return "name(s) and home address, within 3 days of service";
  }
}

// The obligation that says most about where the duty stands: the earliest
// OVERDUE, else the earliest DUE, else the latest NOTIFIED, else the latest
// LAPSED. Null when there are none.
const v1::NotificationObligation* WorstObligation(const v1::ProtectionOrder& order) {
  auto rank = [](v1::OrderNotificationStatus s) {
    switch (s) {
      case v1::ORDER_NOTIFICATION_STATUS_OVERDUE:
        return 4;
      case v1::ORDER_NOTIFICATION_STATUS_DUE:
        return 3;
      case v1::ORDER_NOTIFICATION_STATUS_NOTIFIED:
        return 2;
      case v1::ORDER_NOTIFICATION_STATUS_LAPSED:
        return 1;
      default:
        return 0;
    }
  };
  const v1::NotificationObligation* worst = nullptr;
  for (const v1::NotificationObligation& n : order.notification_obligations()) {
    if (rank(n.status()) == 0) continue;
    if (worst == nullptr || rank(n.status()) > rank(worst->status())) {
      worst = &n;
      continue;
    }
    if (rank(n.status()) < rank(worst->status())) continue;
    const bool outstanding = n.status() == v1::ORDER_NOTIFICATION_STATUS_OVERDUE ||
                             n.status() == v1::ORDER_NOTIFICATION_STATUS_DUE;
    // Outstanding: the one due first. Settled: the most recent.
    const bool earlier = n.due_time().seconds() < worst->due_time().seconds();
    if (outstanding == earlier) worst = &n;
  }
  return worst;
}

}  // namespace

std::string FormatDueIn(const v1::Date& due, bool overdue, absl::CivilDay today) {
  if (!IsSet(due)) return overdue ? "OVERDUE" : "";
  const std::string date = FormatDate(due);
  const int64_t days = DaysUntil(due, today);
  if (overdue) {
    return days < 0 ? absl::StrCat(date, " OVERDUE (", Plural(-days, "day", "days"), ")")
                    : absl::StrCat(date, " OVERDUE");
  }
  if (days == 0) return absl::StrCat(date, " (today)");
  if (days == 1) return absl::StrCat(date, " (tomorrow)");
  if (days > 1) return absl::StrCat(date, " (in ", days, " days)");
  return date;
}

std::string OffenceShort(v1::Offence offence) {
  switch (offence) {
    case v1::OFFENCE_PHA_S2_HARASSMENT:
      return "s.2 harassment";
    case v1::OFFENCE_PHA_S2A_STALKING:
      return "s.2A stalking";
    case v1::OFFENCE_PHA_S4_FEAR_OF_VIOLENCE:
      return "s.4 fear of violence";
    case v1::OFFENCE_PHA_S4A_STALKING_FEAR_OF_VIOLENCE:
      return "s.4A stalking (fear of violence)";
    case v1::OFFENCE_SPO_BREACH:
      return "SPO breach (s.8)";
    case v1::OFFENCE_SPO_FAILURE_TO_NOTIFY:
      return "SPO failure to notify (s.11)";
    default:
      return EnumWords(v1::Offence_descriptor(), offence);
  }
}

std::string OffenceLong(v1::Offence offence) {
  switch (offence) {
    case v1::OFFENCE_PHA_S2_HARASSMENT:
      return "harassment (PHA 1997 s.2)";
    case v1::OFFENCE_PHA_S2A_STALKING:
      return "stalking (PHA 1997 s.2A)";
    case v1::OFFENCE_PHA_S4_FEAR_OF_VIOLENCE:
      return "putting people in fear of violence (PHA 1997 s.4)";
    case v1::OFFENCE_PHA_S4A_STALKING_FEAR_OF_VIOLENCE:
      return "stalking involving fear of violence or serious alarm or distress "
             "(PHA 1997 s.4A)";
    case v1::OFFENCE_SPO_BREACH:
      return "breach of a Stalking Protection Order (SPA 2019 s.8)";
    case v1::OFFENCE_SPO_FAILURE_TO_NOTIFY:
      return "failure to notify under a Stalking Protection Order (SPA 2019 s.11)";
    default:
      return EnumWords(v1::Offence_descriptor(), offence);
  }
}

std::string OffenceList(const google::protobuf::RepeatedPtrField<v1::OffenceDetail>& list,
                        bool long_form) {
  std::vector<std::string> out;
  for (const v1::OffenceDetail& o : list) {
    std::string text = long_form ? OffenceLong(o.offence()) : OffenceShort(o.offence());
    if (long_form && !o.particulars().empty()) {
      absl::StrAppend(&text, ": ", o.particulars());
    }
    out.push_back(std::move(text));
  }
  return absl::StrJoin(out, "; ");
}

std::string ChargingDecisionText(const v1::ChargingDecision& d) {
  std::string offences = OffenceList(d.offences(), /*long_form=*/false);
  switch (d.outcome()) {
    case v1::CHARGING_OUTCOME_CHARGE: {
      std::string out = "CHARGED";
      if (d.test() == v1::CHARGING_TEST_THRESHOLD) {
        absl::StrAppend(&out, " on the Threshold Test");
        if (IsSet(d.threshold_review_by())) {
          absl::StrAppend(&out, " (Full Code review by ",
                          FormatDate(d.threshold_review_by()), ")");
        }
      }
      if (!offences.empty()) absl::StrAppend(&out, ": ", offences);
      return out;
    }
    case v1::CHARGING_OUTCOME_NO_FURTHER_ACTION: {
      std::string reason = EnumWords(v1::NfaReason_descriptor(), d.nfa_reason());
      return reason.empty() ? "NO FURTHER ACTION"
                            : absl::StrCat("NO FURTHER ACTION (", reason, ")");
    }
    case v1::CHARGING_OUTCOME_OUT_OF_COURT_DISPOSAL:
      return offences.empty() ? "OUT-OF-COURT DISPOSAL"
                              : absl::StrCat("OUT-OF-COURT DISPOSAL: ", offences);
    default:
      return "";
  }
}

std::string ChargingOutcomeCell(const v1::ChargingFile& file) {
  if (file.state() == v1::CHARGING_FILE_STATE_WITHDRAWN) return "WITHDRAWN by police";
  std::string out = ChargingDecisionText(file.decision());
  if (!out.empty() && IsSet(file.first_hearing().date())) {
    absl::StrAppend(&out, "; first hearing ", FormatDate(file.first_hearing().date()));
  }
  return out;
}

std::string ChargingItemsCell(const v1::ChargingProgress& p) {
  if (p.outstanding_items_size() == 0) return "-";
  std::string out = absl::StrCat(p.outstanding_items_size());
  if (p.overdue_items_size() > 0) {
    absl::StrAppend(&out, " (", p.overdue_items_size(), " OVERDUE)");
  }
  return out;
}

std::string ChargingNextDueCell(const v1::ChargingProgress& p) {
  const absl::CivilDay today(p.as_of().year(), p.as_of().month(), p.as_of().day());
  if (p.outstanding_items_size() > 0 && IsSet(p.next_due_date())) {
    return FormatDueIn(p.next_due_date(), p.overdue_items_size() > 0, today);
  }
  if (IsSet(p.threshold_review_by())) {
    return absl::StrCat("review ", FormatDueIn(p.threshold_review_by(),
                                               p.threshold_review_overdue(), today));
  }
  return "-";
}

std::string OrderTermText(const v1::OrderTerm& term) {
  std::string out = term.text();
  std::string kind = EnumWords(v1::OrderTermKind_descriptor(), term.kind());
  if (!kind.empty()) out = absl::StrCat(kind, ": ", out);
  if (term.has_geographic_limit()) {
    // The server describes the zone ("within 100 metres of the protected
    // person's home"), the same words for every reader.
    const v1::GeographicLimit& g = term.geographic_limit();
    const std::string& where = g.description().empty() ? g.area() : g.description();
    if (!where.empty()) absl::StrAppend(&out, " (", where, ")");
  }
  return out;
}

std::string OrderDurationText(const v1::OrderDuration& d) {
  if (d.until_further_order()) return "until further order";
  if (d.has_end_date()) return absl::StrCat("until ", FormatDate(d.end_date()));
  return "";
}

bool IsSafeguardingView(const v1::ProtectionOrder& order) {
  return order.status() == v1::PROTECTION_ORDER_STATUS_UNSPECIFIED;
}

std::string OrderNotificationText(const v1::ProtectionOrder& order, absl::TimeZone tz) {
  const v1::NotificationObligation* n = WorstObligation(order);
  if (n == nullptr) {
    return order.notification_carried_from_interim()
               ? "carried over from the interim order (no new notification on service)"
               : "";
  }
  const std::string due = FormatTimestamp(n->due_time(), tz);
  switch (n->status()) {
    case v1::ORDER_NOTIFICATION_STATUS_OVERDUE:
      return absl::StrCat("OVERDUE since ", due, ": ", WhatToNotify(n->trigger()),
                          ", not notified; failing to notify is an offence");
    case v1::ORDER_NOTIFICATION_STATUS_DUE:
      return absl::StrCat("DUE by ", due, ": ", WhatToNotify(n->trigger()));
    case v1::ORDER_NOTIFICATION_STATUS_NOTIFIED: {
      std::string out = n->late() ? "NOTIFIED late" : "NOTIFIED";
      if (IsSetTime(n->notification().notify_time())) {
        absl::StrAppend(&out, " (", FormatTimestamp(n->notification().notify_time(), tz),
                        ")");
      }
      return out;
    }
    default:
      return "not required: the order stopped having effect before it fell due";
  }
}

std::string OrderNotificationCell(const v1::ProtectionOrder& order, absl::TimeZone tz) {
  const v1::NotificationObligation* n = WorstObligation(order);
  if (n == nullptr) return "";
  const std::string due = FormatTimestamp(n->due_time(), tz);
  switch (n->status()) {
    case v1::ORDER_NOTIFICATION_STATUS_OVERDUE:
      return absl::StrCat("OVERDUE since ", due);
    case v1::ORDER_NOTIFICATION_STATUS_DUE:
      return absl::StrCat("DUE by ", due);
    case v1::ORDER_NOTIFICATION_STATUS_NOTIFIED:
      return n->late() ? "NOTIFIED late" : "NOTIFIED";
    default:
      return "";
  }
}

}  // namespace casebridge::cli
