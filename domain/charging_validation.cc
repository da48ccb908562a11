#include "domain/charging_validation.h"

#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "domain/list_query.h"
#include "domain/status_macros.h"
#include "domain/validation.h"

namespace casebridge::domain {
namespace {

absl::Status CheckEtag(absl::string_view etag) {
  return CheckText("etag", etag, kMaxShortText, /*required=*/true);
}

absl::Status MustBeEmpty(absl::string_view field, absl::string_view value,
                         absl::string_view why) {
  if (!value.empty()) return FieldError(field, why);
  return absl::OkStatus();
}

// A date that must not be after today (events that have happened).
absl::Status CheckPastDate(absl::string_view field, const v1::Date& date,
                           bool present, bool required,
                           const ChargingClock& clock) {
  return CheckDate(field, date, present, required,
                   {.not_future = clock.Today()});
}

// A deadline set now: today or later.
absl::Status CheckDeadline(absl::string_view field, const v1::Date& date,
                           bool present, bool required,
                           const ChargingClock& clock) {
  return CheckDate(field, date, present, required, {.not_past = clock.Today()});
}

absl::Status CheckOffences(
    absl::string_view list_field,
    const google::protobuf::RepeatedPtrField<v1::OffenceDetail>& offences,
    absl::string_view empty_problem) {
  if (offences.empty()) return FieldError(list_field, empty_problem);
  std::set<int> seen;
  for (int i = 0; i < offences.size(); ++i) {
    std::string item = FieldIndex(list_field, i);
    const v1::OffenceDetail& o = offences[i];
    CB_RETURN_IF_ERROR(CheckEnum(FieldPath(item, "offence"), o.offence(),
                                 v1::Offence_IsValid,
                                 /*allow_unspecified=*/false));
    if (!seen.insert(o.offence()).second) {
      return FieldError(
          FieldPath(item, "offence"),
          absl::StrCat(ShortEnumName(v1::Offence_descriptor(), o.offence()),
                       " is listed more than once"));
    }
    CB_RETURN_IF_ERROR(CheckLongText(FieldPath(item, "particulars"),
                                     o.particulars(), /*required=*/false));
  }
  return absl::OkStatus();
}

absl::Status CheckSuspect(const v1::ChargingSuspect& s, absl::string_view item,
                          const ChargingClock& clock) {
  if (s.suspect_number() < 1) {
    return FieldError(FieldPath(item, "suspect_number"),
                      "is required: 1 names the case's first suspect");
  }
  CB_RETURN_IF_ERROR(CheckEnum(FieldPath(item, "bail_status"), s.bail_status(),
                               v1::BailStatus_IsValid,
                               /*allow_unspecified=*/false));
  const std::string status =
      ShortEnumName(v1::BailStatus_descriptor(), s.bail_status());
  const std::string release = FieldPath(item, "release_date");
  const std::string ret = FieldPath(item, "bail_return_date");
  const std::string conditions = FieldPath(item, "bail_conditions");
  switch (s.bail_status()) {
    case v1::BAIL_STATUS_PRE_CHARGE_BAIL: {
      CB_RETURN_IF_ERROR(CheckPastDate(release, s.release_date(),
                                       s.has_release_date(), true, clock));
      CB_RETURN_IF_ERROR(
          CheckDate(ret, s.bail_return_date(), s.has_bail_return_date(),
                    /*required=*/true));
      if (*ToCivilDay(s.bail_return_date()) < *ToCivilDay(s.release_date())) {
        return FieldError(ret, "must not be before release_date");
      }
      return CheckLongText(conditions, s.bail_conditions(), false);
    }
    case v1::BAIL_STATUS_RELEASED_UNDER_INVESTIGATION:
      CB_RETURN_IF_ERROR(CheckPastDate(release, s.release_date(),
                                       s.has_release_date(), true, clock));
      if (s.has_bail_return_date()) {
        return FieldError(ret, "applies only to PRE_CHARGE_BAIL: a suspect "
                               "released under investigation has no return "
                               "date");
      }
      return MustBeEmpty(conditions, s.bail_conditions(),
                         "applies only to PRE_CHARGE_BAIL");
    default:  // IN_CUSTODY, NOT_ARRESTED
      if (s.has_release_date()) {
        return FieldError(release, absl::StrCat("does not apply to ", status));
      }
      if (s.has_bail_return_date()) {
        return FieldError(ret, absl::StrCat("does not apply to ", status));
      }
      return MustBeEmpty(conditions, s.bail_conditions(),
                         absl::StrCat("does not apply to ", status));
  }
}

absl::Status CheckFirstHearingShape(const v1::FirstHearing& hearing,
                                    absl::string_view prefix) {
  CB_RETURN_IF_ERROR(CheckDate(FieldPath(prefix, "date"), hearing.date(),
                               hearing.has_date(), /*required=*/true));
  return CheckText(FieldPath(prefix, "court"), hearing.court(), kMaxShortText,
                   /*required=*/true);
}

absl::Status CheckAncillaryOrdersShape(
    const google::protobuf::RepeatedPtrField<v1::AncillaryOrder>& orders,
    absl::string_view list_field) {
  if (orders.size() > kMaxAncillaryOrders) {
    return FieldError(list_field, absl::StrCat("must have at most ",
                                               kMaxAncillaryOrders, " entries"));
  }
  std::set<int> seen;
  for (int i = 0; i < orders.size(); ++i) {
    std::string item = FieldIndex(list_field, i);
    const v1::AncillaryOrder& o = orders[i];
    CB_RETURN_IF_ERROR(CheckEnum(FieldPath(item, "kind"), o.kind(),
                                 v1::AncillaryOrderKind_IsValid, false));
    CB_RETURN_IF_ERROR(
        CheckLongText(FieldPath(item, "details"), o.details(),
                      /*required=*/o.kind() == v1::ANCILLARY_ORDER_KIND_OTHER));
    if (o.kind() != v1::ANCILLARY_ORDER_KIND_OTHER &&
        !seen.insert(o.kind()).second) {
      return FieldError(
          FieldPath(item, "kind"),
          absl::StrCat(
              ShortEnumName(v1::AncillaryOrderKind_descriptor(), o.kind()),
              " is listed more than once"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckVictimInformedShape(const v1::VictimInformed& v,
                                      absl::string_view prefix,
                                      const ChargingClock& clock) {
  const std::string date = FieldPath(prefix, "inform_date");
  if (v.informed()) {
    CB_RETURN_IF_ERROR(
        CheckPastDate(date, v.inform_date(), v.has_inform_date(), true, clock));
  } else {
    if (v.has_inform_date()) {
      return FieldError(date, "applies only when informed is true");
    }
    CB_RETURN_IF_ERROR(MustBeEmpty(FieldPath(prefix, "method"), v.method(),
                                   "applies only when informed is true"));
  }
  CB_RETURN_IF_ERROR(
      CheckText(FieldPath(prefix, "method"), v.method(), kMaxShortText, false));
  return CheckLongText(FieldPath(prefix, "notes"), v.notes(), false);
}

std::string OutcomeName(v1::ChargingOutcome outcome) {
  return ShortEnumName(v1::ChargingOutcome_descriptor(), outcome);
}

}  // namespace

absl::StatusOr<CaseChildName> ParseChargingFileName(absl::string_view name,
                                                    absl::string_view field) {
  return ParseCaseChildName(name, "chargingFiles", field);
}

absl::StatusOr<ActionItemName> ParseActionItemName(absl::string_view name,
                                                   absl::string_view field) {
  if (name.empty()) return FieldError(field, "is required");
  constexpr absl::string_view kSegment = "/actionItems/";
  const absl::Status malformed =
      FieldError(field,
                 "must be of the form cases/{case}/chargingFiles/{file}/"
                 "actionItems/{item}, with UUID file and item ids");
  const size_t pos = name.rfind(kSegment);
  if (pos == absl::string_view::npos) return malformed;
  const absl::string_view item = name.substr(pos + kSegment.size());
  absl::StatusOr<CaseChildName> file =
      ParseChargingFileName(name.substr(0, pos), field);
  if (!file.ok() || !IsUuid(item)) return malformed;
  return ActionItemName{*std::move(file), absl::AsciiStrToLower(item)};
}

std::string ActionItemResourceName(absl::string_view case_id,
                                   absl::string_view file_id,
                                   absl::string_view item_id) {
  return absl::StrCat("cases/", case_id, "/chargingFiles/", file_id,
                      "/actionItems/", item_id);
}

absl::Status ValidateChargingFileContent(const v1::ChargingFile& file,
                                         absl::string_view prefix,
                                         const ChargingClock& clock) {
  CB_RETURN_IF_ERROR(CheckEnum(FieldPath(prefix, "kind"), file.kind(),
                               v1::ChargingFileKind_IsValid, false));
  CB_RETURN_IF_ERROR(CheckEnum(FieldPath(prefix, "urgency"), file.urgency(),
                               v1::ChargingUrgency_IsValid, false));
  const std::string suspects = FieldPath(prefix, "suspects");
  if (file.suspects().empty()) {
    return FieldError(suspects, "must name at least one suspect");
  }
  if (file.suspects_size() > kMaxChargingSuspects) {
    return FieldError(suspects, absl::StrCat("must have at most ",
                                             kMaxChargingSuspects, " entries"));
  }
  std::set<int> numbers;
  for (int i = 0; i < file.suspects_size(); ++i) {
    const std::string item = FieldIndex(FieldPath(prefix, "suspects"), i);
    CB_RETURN_IF_ERROR(CheckSuspect(file.suspects(i), item, clock));
    if (!numbers.insert(file.suspects(i).suspect_number()).second) {
      return FieldError(FieldPath(item, "suspect_number"),
                        "names a suspect already on the file");
    }
  }
  CB_RETURN_IF_ERROR(CheckOffences(FieldPath(prefix, "proposed_offences"),
                                   file.proposed_offences(),
                                   "must propose at least one offence"));
  return CheckLongText(FieldPath(prefix, "summary"), file.summary(),
                       /*required=*/true);
}

absl::Status ValidateSubmitChargingFileRequest(
    const v1::SubmitChargingFileRequest& request, const ChargingClock& clock) {
  CB_RETURN_IF_ERROR(ParseCaseName(request.parent(), "parent").status());
  if (!request.has_charging_file()) {
    return FieldError("charging_file", "is required");
  }
  CB_RETURN_IF_ERROR(ValidateChargingFileContent(request.charging_file(),
                                                 "charging_file", clock));
  return CheckText("request_id", request.request_id(), kMaxShortText, false);
}

absl::Status ValidateSubmitFullFileRequest(
    const v1::SubmitFullFileRequest& request, const ChargingClock& clock) {
  CB_RETURN_IF_ERROR(ParseChargingFileName(request.name(), "name").status());
  if (!request.has_charging_file()) {
    return FieldError("charging_file", "is required");
  }
  const v1::ChargingFile& file = request.charging_file();
  if (file.kind() != v1::CHARGING_FILE_KIND_UNSPECIFIED &&
      file.kind() != v1::CHARGING_FILE_KIND_FULL_FILE) {
    return FieldError("charging_file.kind",
                      "must be FULL_FILE or unset: this submits the full file");
  }
  v1::ChargingFile as_full = file;
  as_full.set_kind(v1::CHARGING_FILE_KIND_FULL_FILE);
  CB_RETURN_IF_ERROR(
      ValidateChargingFileContent(as_full, "charging_file", clock));
  return CheckEtag(request.etag());
}

absl::Status ValidateGetChargingFileRequest(
    const v1::GetChargingFileRequest& request) {
  return ParseChargingFileName(request.name(), "name").status();
}

absl::Status ValidateGetChargingProgressRequest(
    const v1::GetChargingProgressRequest& request) {
  return ParseChargingFileName(request.name(), "name").status();
}

absl::Status ValidateRespondToActionItemRequest(
    const v1::RespondToActionItemRequest& request) {
  CB_RETURN_IF_ERROR(ParseActionItemName(request.name(), "name").status());
  CB_RETURN_IF_ERROR(CheckEnum("response", request.response(),
                               v1::ChargingActionItemResponse_IsValid, false));
  const bool dispute =
      request.response() == v1::CHARGING_ACTION_ITEM_RESPONSE_DISPUTE;
  const bool complete =
      request.response() == v1::CHARGING_ACTION_ITEM_RESPONSE_COMPLETE;
  if (dispute) {
    CB_RETURN_IF_ERROR(CheckLongText("reason", request.reason(), true));
  } else {
    CB_RETURN_IF_ERROR(MustBeEmpty("reason", request.reason(),
                                   "applies only to a DISPUTE response"));
  }
  if (complete) {
    CB_RETURN_IF_ERROR(CheckLongText("provided", request.provided(), true));
  } else {
    CB_RETURN_IF_ERROR(MustBeEmpty("provided", request.provided(),
                                   "applies only to a COMPLETE response"));
  }
  return CheckEtag(request.etag());
}

absl::Status ValidateReviewActionItemRequest(
    const v1::ReviewActionItemRequest& request, const ChargingClock& clock) {
  CB_RETURN_IF_ERROR(ParseActionItemName(request.name(), "name").status());
  CB_RETURN_IF_ERROR(CheckEnum("review", request.review(),
                               v1::ChargingActionItemReview_IsValid, false));
  CB_RETURN_IF_ERROR(CheckLongText("note", request.note(), true));
  if (request.review() == v1::CHARGING_ACTION_ITEM_REVIEW_REAFFIRM) {
    CB_RETURN_IF_ERROR(CheckDeadline("due_date", request.due_date(),
                                     request.has_due_date(), false, clock));
  } else if (request.has_due_date()) {
    return FieldError("due_date", "applies only to REAFFIRM");
  }
  return CheckEtag(request.etag());
}

absl::Status ValidateWithdrawChargingFileRequest(
    const v1::WithdrawChargingFileRequest& request) {
  CB_RETURN_IF_ERROR(ParseChargingFileName(request.name(), "name").status());
  CB_RETURN_IF_ERROR(CheckLongText("reason", request.reason(), true));
  return CheckEtag(request.etag());
}

absl::Status ValidateRecordAdviceRequest(
    const v1::RecordAdviceRequest& request) {
  CB_RETURN_IF_ERROR(ParseChargingFileName(request.name(), "name").status());
  CB_RETURN_IF_ERROR(CheckLongText("advice", request.advice(), true));
  return CheckEtag(request.etag());
}

absl::Status ValidateIssueActionPlanRequest(
    const v1::IssueActionPlanRequest& request, const ChargingClock& clock) {
  CB_RETURN_IF_ERROR(ParseChargingFileName(request.name(), "name").status());
  if (request.items().empty()) {
    return FieldError("items", "must list at least one action item");
  }
  if (request.items_size() > kMaxActionItemsPerPlan) {
    return FieldError("items", absl::StrCat("must have at most ",
                                            kMaxActionItemsPerPlan,
                                            " entries"));
  }
  for (int i = 0; i < request.items_size(); ++i) {
    const std::string item = FieldIndex(FieldPath("", "items"), i);
    const v1::ChargingActionItem& it = request.items(i);
    CB_RETURN_IF_ERROR(
        CheckLongText(FieldPath(item, "description"), it.description(), true));
    CB_RETURN_IF_ERROR(CheckDeadline(FieldPath(item, "due_date"), it.due_date(),
                                     it.has_due_date(), true, clock));
  }
  return CheckEtag(request.etag());
}

absl::CivilDay EffectiveDecisionDay(const v1::ChargingDecision& decision,
                                    const ChargingClock& clock) {
  if (decision.has_decision_date()) {
    std::optional<absl::CivilDay> day = ToCivilDay(decision.decision_date());
    if (day.has_value()) return *day;
  }
  if (decision.has_decide_time()) {
    return clock.DayOf(ToAbslTime(decision.decide_time()));
  }
  return clock.Today();
}

absl::Status ValidateChargingDecision(const v1::ChargingDecision& d,
                                      absl::string_view prefix,
                                      const ChargingClock& clock) {
  CB_RETURN_IF_ERROR(CheckEnum(FieldPath(prefix, "test"), d.test(),
                               v1::ChargingTest_IsValid, false));
  CB_RETURN_IF_ERROR(CheckEnum(FieldPath(prefix, "outcome"), d.outcome(),
                               v1::ChargingOutcome_IsValid, false));
  CB_RETURN_IF_ERROR(CheckPastDate(FieldPath(prefix, "decision_date"),
                                   d.decision_date(), d.has_decision_date(),
                                   false, clock));
  CB_RETURN_IF_ERROR(CheckLongText(FieldPath(prefix, "rationale"),
                                   d.rationale(),
                                   /*required=*/true));

  const std::string outcome = OutcomeName(d.outcome());
  const std::string offences = FieldPath(prefix, "offences");
  const std::string nfa = FieldPath(prefix, "nfa_reason");
  const std::string disposal = FieldPath(prefix, "disposal_details");
  switch (d.outcome()) {
    case v1::CHARGING_OUTCOME_CHARGE:
      CB_RETURN_IF_ERROR(CheckOffences(
          offences, d.offences(), "a CHARGE needs at least one offence"));
      break;
    case v1::CHARGING_OUTCOME_OUT_OF_COURT_DISPOSAL:
      CB_RETURN_IF_ERROR(CheckOffences(
          offences, d.offences(),
          "an OUT_OF_COURT_DISPOSAL needs the offences it is for"));
      CB_RETURN_IF_ERROR(CheckLongText(disposal, d.disposal_details(), true));
      break;
    case v1::CHARGING_OUTCOME_NO_FURTHER_ACTION:
      if (!d.offences().empty()) {
        return FieldError(offences, "must be empty for NO_FURTHER_ACTION");
      }
      CB_RETURN_IF_ERROR(CheckEnum(nfa, d.nfa_reason(), v1::NfaReason_IsValid,
                                   /*allow_unspecified=*/false));
      break;
    default:
      break;
  }
  if (d.outcome() != v1::CHARGING_OUTCOME_NO_FURTHER_ACTION &&
      d.nfa_reason() != v1::NFA_REASON_UNSPECIFIED) {
    return FieldError(nfa, absl::StrCat("applies only to NO_FURTHER_ACTION, "
                                        "not ",
                                        outcome));
  }
  if (d.outcome() != v1::CHARGING_OUTCOME_OUT_OF_COURT_DISPOSAL) {
    CB_RETURN_IF_ERROR(MustBeEmpty(
        disposal, d.disposal_details(),
        absl::StrCat("applies only to OUT_OF_COURT_DISPOSAL, not ", outcome)));
  }

  const std::string grounds = FieldPath(prefix, "threshold_grounds");
  const std::string review_by = FieldPath(prefix, "threshold_review_by");
  if (d.test() == v1::CHARGING_TEST_THRESHOLD) {
    if (d.outcome() != v1::CHARGING_OUTCOME_CHARGE) {
      return FieldError(FieldPath(prefix, "outcome"),
                        "the Threshold Test supports only a CHARGE");
    }
    CB_RETURN_IF_ERROR(CheckLongText(grounds, d.threshold_grounds(), true));
    CB_RETURN_IF_ERROR(CheckDate(review_by, d.threshold_review_by(),
                                 d.has_threshold_review_by(), true));
    const absl::CivilDay decided = EffectiveDecisionDay(d, clock);
    if (*ToCivilDay(d.threshold_review_by()) <= decided) {
      return FieldError(review_by,
                        absl::StrCat("must be after the decision date (",
                                     FormatDay(decided), ")"));
    }
  } else {
    CB_RETURN_IF_ERROR(MustBeEmpty(grounds, d.threshold_grounds(),
                                   "applies only to the Threshold Test"));
    if (d.has_threshold_review_by()) {
      return FieldError(review_by, "applies only to the Threshold Test");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckFirstHearingAgainstDecision(
    const v1::FirstHearing& hearing, const v1::ChargingDecision& decision,
    const ChargingClock& clock) {
  if (decision.outcome() != v1::CHARGING_OUTCOME_CHARGE) {
    return FieldError("first_hearing",
                      absl::StrCat("follows only a CHARGE; the decision is ",
                                   OutcomeName(decision.outcome())));
  }
  const absl::CivilDay decided = EffectiveDecisionDay(decision, clock);
  std::optional<absl::CivilDay> date = ToCivilDay(hearing.date());
  if (date.has_value() && *date < decided) {
    return FieldError("first_hearing.date",
                      absl::StrCat("must not be before the decision date (",
                                   FormatDay(decided), ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckAncillaryOrdersAgainstDecision(
    const google::protobuf::RepeatedPtrField<v1::AncillaryOrder>& orders,
    const v1::ChargingDecision& decision) {
  for (int i = 0; i < orders.size(); ++i) {
    if (orders[i].kind() == v1::ANCILLARY_ORDER_KIND_RESTRAINING_ORDER &&
        decision.outcome() != v1::CHARGING_OUTCOME_CHARGE) {
      return FieldError(
          absl::StrCat("ancillary_orders[", i, "].kind"),
          absl::StrCat("a restraining order is sought only with a CHARGE; "
                       "the decision is ",
                       OutcomeName(decision.outcome())));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckVictimInformedAgainstDecision(
    const v1::VictimInformed& informed, const v1::ChargingDecision& decision,
    const ChargingClock& clock) {
  if (!informed.informed()) return absl::OkStatus();
  const absl::CivilDay decided = EffectiveDecisionDay(decision, clock);
  std::optional<absl::CivilDay> date = ToCivilDay(informed.inform_date());
  if (date.has_value() && *date < decided) {
    return FieldError("victim_informed.inform_date",
                      absl::StrCat("must not be before the decision date (",
                                   FormatDay(decided), ")"));
  }
  return absl::OkStatus();
}

absl::Status ValidateRecordDecisionRequest(
    const v1::RecordDecisionRequest& request, const ChargingClock& clock) {
  CB_RETURN_IF_ERROR(ParseChargingFileName(request.name(), "name").status());
  if (!request.has_decision()) return FieldError("decision", "is required");
  const v1::ChargingDecision& d = request.decision();
  CB_RETURN_IF_ERROR(ValidateChargingDecision(d, "decision", clock));
  if (request.has_first_hearing()) {
    CB_RETURN_IF_ERROR(
        CheckFirstHearingShape(request.first_hearing(), "first_hearing"));
    CB_RETURN_IF_ERROR(
        CheckFirstHearingAgainstDecision(request.first_hearing(), d, clock));
  }
  CB_RETURN_IF_ERROR(
      CheckAncillaryOrdersShape(request.ancillary_orders(), "ancillary_orders"));
  CB_RETURN_IF_ERROR(
      CheckAncillaryOrdersAgainstDecision(request.ancillary_orders(), d));
  if (request.has_victim_informed()) {
    CB_RETURN_IF_ERROR(CheckVictimInformedShape(request.victim_informed(),
                                                "victim_informed", clock));
    CB_RETURN_IF_ERROR(CheckVictimInformedAgainstDecision(
        request.victim_informed(), d, clock));
  }
  return CheckEtag(request.etag());
}

absl::Status ValidateReviewThresholdDecisionRequest(
    const v1::ReviewThresholdDecisionRequest& request,
    const ChargingClock& clock) {
  CB_RETURN_IF_ERROR(ParseChargingFileName(request.name(), "name").status());
  CB_RETURN_IF_ERROR(CheckLongText("note", request.note(), true));
  CB_RETURN_IF_ERROR(CheckDate("next_review_by", request.next_review_by(),
                               request.has_next_review_by(), true));
  if (*ToCivilDay(request.next_review_by()) <= clock.Today()) {
    return FieldError(
        "next_review_by",
        absl::StrCat("must be after today (", FormatDay(clock.Today()), ")"));
  }
  return CheckEtag(request.etag());
}

absl::Status ValidateRecordDecisionFollowUpRequest(
    const v1::RecordDecisionFollowUpRequest& request,
    const ChargingClock& clock) {
  CB_RETURN_IF_ERROR(ParseChargingFileName(request.name(), "name").status());
  if (request.update_mask().paths().empty()) {
    return FieldError("update_mask",
                      "is required: first_hearing, ancillary_orders and/or "
                      "victim_informed");
  }
  for (const std::string& path : request.update_mask().paths()) {
    if (path == "first_hearing") {
      if (request.has_first_hearing()) {
        CB_RETURN_IF_ERROR(
            CheckFirstHearingShape(request.first_hearing(), "first_hearing"));
      }
    } else if (path == "ancillary_orders") {
      CB_RETURN_IF_ERROR(CheckAncillaryOrdersShape(request.ancillary_orders(),
                                                   "ancillary_orders"));
    } else if (path == "victim_informed") {
      if (request.has_victim_informed()) {
        CB_RETURN_IF_ERROR(CheckVictimInformedShape(
            request.victim_informed(), "victim_informed", clock));
      }
    } else {
      return FieldError("update_mask",
                        absl::StrCat("unknown path \"", path.substr(0, 60),
                                     "\"; supported: first_hearing, "
                                     "ancillary_orders, victim_informed"));
    }
  }
  return CheckEtag(request.etag());
}

}  // namespace casebridge::domain
