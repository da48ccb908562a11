#include "domain/safeguarding_actions.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/case_validation.h"
#include "domain/dates.h"
#include "domain/list_query.h"
#include "domain/safeguarding_lifecycle.h"
#include "domain/validation.h"
#include "google/protobuf/util/message_differencer.h"

namespace casebridge::domain {
namespace {

using google::protobuf::util::MessageDifferencer;

constexpr absl::string_view kActionField = "safeguarding_action";
constexpr absl::string_view kActionsCollection = "safeguardingActions";

// The lawful basis recorded on every share an assignment creates: disclosure
// to a relevant authority for crime-and-disorder purposes.
constexpr absl::string_view kAssignmentLawfulBasis =
    "Crime and Disorder Act 1998 s.115";

// Every create's request_id has the same limit (domain/case_validation.h).
absl::Status CheckRequestId(absl::string_view request_id) {
  return ValidateRequestId(request_id);
}

// A due date from today to today + kMaxSafeguardingDueDays.
absl::StatusOr<absl::CivilDay> CheckDueDate(const v1::Date& date,
                                            absl::string_view field,
                                            absl::CivilDay earliest,
                                            absl::string_view earliest_is,
                                            absl::CivilDay today) {
  absl::StatusOr<absl::CivilDay> due =
      ParseDate(field, date, kSafeguardingDate);
  if (!due.ok()) return due.status();
  if (*due < earliest) {
    return FieldError(
        field, absl::StrCat("must not be before ", earliest_is, " (",
                            FormatDay(earliest), "), got ", FormatDay(*due)));
  }
  if (*due > today + kMaxSafeguardingDueDays) {
    return FieldError(field,
                      absl::StrCat("must be at most ", kMaxSafeguardingDueDays,
                                   " days after today (",
                                   FormatDay(today + kMaxSafeguardingDueDays),
                                   "), got ", FormatDay(*due)));
  }
  return due;
}

// users/{user} in canonical form; empty stays empty (unassigned).
absl::StatusOr<std::string> CanonicalUser(absl::string_view user,
                                          absl::string_view field) {
  if (user.empty()) return std::string();
  absl::StatusOr<std::string> id = ParseTopLevelName(user, "users", field);
  if (!id.ok()) return id.status();
  return UserName(*id);
}

absl::Status CheckEtagPresent(absl::string_view etag, absl::string_view field) {
  if (etag.empty()) return FieldError(field, "is required");
  return absl::OkStatus();
}

absl::Status CheckEtagCurrent(const v1::SafeguardingAction& current,
                              absl::string_view etag) {
  if (etag == current.etag()) return absl::OkStatus();
  return StaleEtagError(current.name());
}

// The history entry of a change from `before` to `after.status()`.
v1::SafeguardingActionHistoryEntry Entry(
    v1::SafeguardingActionEvent event, v1::SafeguardingActionStatus before,
    v1::SafeguardingActionStatus after, std::vector<std::string> changed,
    const SafeguardingContext& ctx) {
  v1::SafeguardingActionHistoryEntry entry;
  entry.set_event(event);
  entry.set_from_status(before);
  entry.set_to_status(after);
  for (std::string& f : changed) entry.add_changed_fields(std::move(f));
  entry.set_actor(ctx.actor);
  entry.set_actor_agency(ctx.actor_agency);
  *entry.mutable_time() = ToProtoTime(ctx.now);
  return entry;
}

// COMPLETE or CANCEL: the closing fields and the entry.
absl::StatusOr<SafeguardingChange> Close(const v1::SafeguardingAction& current,
                                         v1::SafeguardingActionEvent event,
                                         absl::string_view text,
                                         const SafeguardingContext& ctx) {
  absl::StatusOr<v1::SafeguardingActionStatus> next =
      ApplySafeguardingEvent(current.status(), event);
  if (!next.ok()) return next.status();
  SafeguardingChange change;
  change.action = current;
  v1::SafeguardingAction& a = change.action;
  a.set_status(*next);
  std::string text_field;
  if (event == v1::SAFEGUARDING_ACTION_EVENT_COMPLETE) {
    a.set_outcome(std::string(text));
    text_field = "outcome";
  } else {
    a.set_cancel_reason(std::string(text));
    text_field = "cancel_reason";
  }
  a.set_closed_by(ctx.actor);
  *a.mutable_close_time() = ToProtoTime(ctx.now);
  *a.mutable_update_time() = ToProtoTime(ctx.now);
  a.clear_overdue();
  change.entry = Entry(event, current.status(), *next,
                       {"status", std::move(text_field)}, ctx);
  return change;
}

absl::StatusOr<SafeguardingChange> NewActionAt(
    const v1::SafeguardingAction& input, absl::string_view field,
    v1::AgencyKind assigned_agency_kind, const SafeguardingCaseFacts& kase,
    const SafeguardingContext& ctx) {
  const absl::CivilDay today = ctx.today();
  if (absl::Status s = ValidateNewSafeguardingAction(input, field, today);
      !s.ok()) {
    return s;
  }
  if (kase.status == v1::CASE_STATUS_CLOSED) {
    return absl::FailedPreconditionError(
        "the case is CLOSED: reopen it before adding safeguarding actions");
  }
  // Validated above, so these parse.
  const std::string assigned_agency =
      AgencyName(*ParseTopLevelName(input.assigned_agency(), "agencies",
                                    FieldPath(field, "assigned_agency")));
  if (absl::Status s =
          CheckSafeguardingAssignee(assigned_agency_kind, assigned_agency, kase,
                                    FieldPath(field, "assigned_agency"));
      !s.ok()) {
    return s;
  }
  SafeguardingChange change;
  v1::SafeguardingAction& a = change.action;
  a.set_type(input.type());
  a.set_assigned_agency(assigned_agency);
  a.set_assigned_user(
      *CanonicalUser(input.assigned_user(), FieldPath(field, "assigned_user")));
  *a.mutable_due_date() = input.due_date();
  a.set_priority(input.priority() == v1::SAFEGUARDING_ACTION_PRIORITY_UNSPECIFIED
                     ? v1::SAFEGUARDING_ACTION_PRIORITY_NORMAL
                     : input.priority());
  a.set_description(input.description());
  a.set_rationale(input.rationale());
  a.set_notes(input.notes());
  a.set_status(v1::SAFEGUARDING_ACTION_STATUS_OPEN);
  a.set_created_by(ctx.actor);
  *a.mutable_create_time() = ToProtoTime(ctx.now);
  *a.mutable_update_time() = ToProtoTime(ctx.now);
  std::vector<std::string> fields = {"type", "assigned_agency"};
  if (!a.assigned_user().empty()) fields.push_back("assigned_user");
  for (absl::string_view f :
       {"due_date", "priority", "description", "rationale"}) {
    fields.emplace_back(f);
  }
  if (!a.notes().empty()) fields.push_back("notes");
  change.entry = Entry(v1::SAFEGUARDING_ACTION_EVENT_CREATE,
                       v1::SAFEGUARDING_ACTION_STATUS_UNSPECIFIED,
                       v1::SAFEGUARDING_ACTION_STATUS_OPEN, std::move(fields),
                       ctx);
  return change;
}

}  // namespace

absl::CivilDay SafeguardingContext::today() const { return UkDay(now); }

std::string SafeguardingActionTypeLabel(v1::SafeguardingActionType type) {
  switch (type) {
    case v1::SAFEGUARDING_ACTION_TYPE_MARAC_REFERRAL: return "MARAC referral";
    case v1::SAFEGUARDING_ACTION_TYPE_ADVOCATE_REFERRAL: return "advocate referral";
    case v1::SAFEGUARDING_ACTION_TYPE_SAFETY_PLAN: return "safety plan";
    case v1::SAFEGUARDING_ACTION_TYPE_ALARM_OR_LOCK_CHANGE: return "alarm or lock change";
    case v1::SAFEGUARDING_ACTION_TYPE_PERSONAL_SAFETY_APP: return "personal safety app";
    case v1::SAFEGUARDING_ACTION_TYPE_HOUSING_MOVE: return "housing move";
    case v1::SAFEGUARDING_ACTION_TYPE_GP_ALERT: return "GP alert";
    case v1::SAFEGUARDING_ACTION_TYPE_PERPETRATOR_MENTAL_HEALTH_ASSESSMENT:
      return "perpetrator mental-health assessment";
    case v1::SAFEGUARDING_ACTION_TYPE_SCHOOL_OR_WORKPLACE_NOTICE:
      return "school or workplace notice";
    case v1::SAFEGUARDING_ACTION_TYPE_OTHER: return "other";
    default: return "unspecified";
  }
}

// ---- Create ----------------------------------------------------------------

absl::Status ValidateNewSafeguardingAction(const v1::SafeguardingAction& action,
                                           absl::string_view field,
                                           absl::CivilDay today) {
  if (absl::Status s = CheckEnum(FieldPath(field, "type"), action.type(),
                                 v1::SafeguardingActionType_IsValid, false);
      !s.ok()) {
    return s;
  }
  if (absl::StatusOr<std::string> agency =
          ParseTopLevelName(action.assigned_agency(), "agencies",
                            FieldPath(field, "assigned_agency"));
      !agency.ok()) {
    return agency.status();
  }
  if (absl::StatusOr<std::string> user = CanonicalUser(
          action.assigned_user(), FieldPath(field, "assigned_user"));
      !user.ok()) {
    return user.status();
  }
  if (absl::StatusOr<absl::CivilDay> due =
          CheckDueDate(action.due_date(), FieldPath(field, "due_date"), today,
                       "today", today);
      !due.ok()) {
    return due.status();
  }
  if (absl::Status s =
          CheckEnum(FieldPath(field, "priority"), action.priority(),
                    v1::SafeguardingActionPriority_IsValid, true);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckLongText(FieldPath(field, "description"),
                                     action.description(), true);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckLongText(FieldPath(field, "rationale"),
                                     action.rationale(), true);
      !s.ok()) {
    return s;
  }
  return CheckLongText(FieldPath(field, "notes"), action.notes(), false);
}

absl::StatusOr<CaseKey> ValidateCreateSafeguardingActionRequest(
    const v1::CreateSafeguardingActionRequest& request, absl::CivilDay today) {
  absl::StatusOr<CaseKey> parent = ParseCaseName(request.parent(), "parent");
  if (!parent.ok()) return parent.status();
  if (!request.has_safeguarding_action()) {
    return FieldError(kActionField, "is required");
  }
  if (absl::Status s = ValidateNewSafeguardingAction(
          request.safeguarding_action(), kActionField, today);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckRequestId(request.request_id()); !s.ok()) return s;
  return parent;
}

absl::Status CheckSafeguardingAssignee(v1::AgencyKind kind,
                                       absl::string_view assigned_agency,
                                       const SafeguardingCaseFacts& kase,
                                       absl::string_view field) {
  switch (kind) {
    case v1::AGENCY_KIND_POLICE:
      // Work given to another force would share the whole case with it (the
      // full view) as a side effect; sharing with a force is an explicit
      // decision of the owning force.
      if (kase.owning_agency.empty() || assigned_agency != kase.owning_agency) {
        return FieldError(field,
                          "another police force cannot be given the work of "
                          "this case; assign the owning force, a council, a "
                          "health trust or victim services");
      }
      return absl::OkStatus();
    case v1::AGENCY_KIND_COUNCIL:
    case v1::AGENCY_KIND_HEALTH:
      return absl::OkStatus();
    case v1::AGENCY_KIND_VICTIM_SERVICE:
      if (kase.victim_opted_out) {
        return absl::FailedPreconditionError(
            "the victim opted out of victim services: no action may be "
            "assigned to a victim service (the victim can self-refer)");
      }
      return absl::OkStatus();
    case v1::AGENCY_KIND_CPS:
      return FieldError(field,
                        "the CPS does not take safeguarding actions; assign "
                        "police, a council, a health trust or victim services");
    default:
      return FieldError(field, "is not a known agency");
  }
}

absl::StatusOr<SafeguardingChange> NewSafeguardingAction(
    const v1::SafeguardingAction& input, v1::AgencyKind assigned_agency_kind,
    const SafeguardingCaseFacts& kase, const SafeguardingContext& ctx) {
  return NewActionAt(input, kActionField, assigned_agency_kind, kase, ctx);
}

std::optional<v1::CaseShare> ShareForSafeguardingAssignment(
    const v1::SafeguardingAction& action, absl::string_view owning_agency,
    absl::string_view assigning_agency) {
  if (action.assigned_agency() == owning_agency ||
      action.assigned_agency() == assigning_agency) {
    return std::nullopt;
  }
  v1::CaseShare share;
  share.set_agency(action.assigned_agency());
  share.set_basis(v1::SHARE_BASIS_SAFEGUARDING_ACTION);
  share.set_purpose(absl::StrCat("Safeguarding action assigned to the agency: ",
                                 SafeguardingActionTypeLabel(action.type())));
  share.set_lawful_basis(std::string(kAssignmentLawfulBasis));
  share.set_view(v1::CASE_VIEW_SAFEGUARDING);
  return share;
}

// ---- Read ------------------------------------------------------------------

Relationship SafeguardingActionRelationship(Relationship case_relationship,
                                            const Principal& principal,
                                            absl::string_view assigned_agency) {
  if (case_relationship == Relationship::kShared &&
      !principal.agency_id.empty() &&
      assigned_agency == AgencyName(principal.agency_id)) {
    return Relationship::kAssignedAgency;
  }
  return case_relationship;
}

bool SafeguardingActionVisible(const Principal& principal, v1::CaseView view,
                               absl::string_view assigned_agency) {
  switch (view) {
    case v1::CASE_VIEW_FULL:
      return true;
    case v1::CASE_VIEW_SAFEGUARDING:
      return !principal.agency_id.empty() &&
             assigned_agency == AgencyName(principal.agency_id);
    default:
      return false;
  }
}

absl::StatusOr<CaseChildName> ValidateSafeguardingActionName(
    absl::string_view name, absl::string_view field) {
  return ParseCaseChildName(name, kActionsCollection, field);
}

// ---- Update ------------------------------------------------------------------

absl::StatusOr<CaseChildName> ValidateUpdateSafeguardingActionRequest(
    const v1::UpdateSafeguardingActionRequest& request, absl::CivilDay today) {
  const v1::SafeguardingAction& a = request.safeguarding_action();
  absl::StatusOr<CaseChildName> name =
      ValidateSafeguardingActionName(a.name(), FieldPath(kActionField, "name"));
  if (!name.ok()) return name.status();
  if (absl::Status s =
          CheckEtagPresent(a.etag(), FieldPath(kActionField, "etag"));
      !s.ok()) {
    return s;
  }
  if (request.update_mask().paths().empty()) {
    return FieldError("update_mask",
                      absl::StrCat("is required; paths: ",
                                   absl::StrJoin(kSafeguardingUpdatePaths, ", ")));
  }
  for (const std::string& path : request.update_mask().paths()) {
    bool known = false;
    for (absl::string_view p : kSafeguardingUpdatePaths) known |= p == path;
    if (!known) {
      return FieldError(
          "update_mask",
          absl::StrCat("cannot update \"", absl::string_view(path).substr(0, 80),
                       "\"; paths: ",
                       absl::StrJoin(kSafeguardingUpdatePaths, ", ")));
    }
    const std::string field = FieldPath(kActionField, path);
    absl::Status s;
    if (path == "status") {
      switch (a.status()) {
        case v1::SAFEGUARDING_ACTION_STATUS_OPEN:
        case v1::SAFEGUARDING_ACTION_STATUS_IN_PROGRESS:
        case v1::SAFEGUARDING_ACTION_STATUS_BLOCKED:
          break;
        case v1::SAFEGUARDING_ACTION_STATUS_COMPLETED:
          s = FieldError(field,
                         "use CompleteSafeguardingAction, with the outcome, "
                         "to complete an action");
          break;
        case v1::SAFEGUARDING_ACTION_STATUS_CANCELLED:
          s = FieldError(field,
                         "use CancelSafeguardingAction, with the reason, to "
                         "cancel an action");
          break;
        default:
          s = CheckEnum(field, a.status(),
                        v1::SafeguardingActionStatus_IsValid, false);
      }
    } else if (path == "notes") {
      s = CheckLongText(field, a.notes(), false);
    } else if (path == "assigned_user") {
      s = CanonicalUser(a.assigned_user(), field).status();
    } else if (path == "due_date") {
      // The lower bound (the creation day) is checked against the stored
      // action; here only that it is a date and not too far ahead.
      s = CheckDueDate(a.due_date(), field, absl::CivilDay(1, 1, 1), "year 1",
                       today)
              .status();
    } else if (path == "priority") {
      s = CheckEnum(field, a.priority(), v1::SafeguardingActionPriority_IsValid,
                    false);
    } else if (path == "description") {
      s = CheckLongText(field, a.description(), true);
    } else if (path == "rationale") {
      s = CheckLongText(field, a.rationale(), true);
    }
    if (!s.ok()) return s;
  }
  return name;
}

absl::StatusOr<SafeguardingChange> ApplySafeguardingActionUpdate(
    const v1::SafeguardingAction& current,
    const v1::UpdateSafeguardingActionRequest& request,
    const SafeguardingContext& ctx) {
  const v1::SafeguardingAction& in = request.safeguarding_action();
  if (absl::Status s =
          CheckEtagPresent(in.etag(), FieldPath(kActionField, "etag"));
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckEtagCurrent(current, in.etag()); !s.ok()) return s;
  const absl::CivilDay today = ctx.today();
  if (absl::StatusOr<CaseChildName> name =
          ValidateUpdateSafeguardingActionRequest(request, today);
      !name.ok()) {
    return name.status();
  }
  auto masked = [&](absl::string_view path) {
    for (const std::string& p : request.update_mask().paths()) {
      if (p == path) return true;
    }
    return false;
  };

  // The lifecycle first: nothing about a final action changes, whatever the
  // values.
  v1::SafeguardingActionEvent event = v1::SAFEGUARDING_ACTION_EVENT_UPDATE;
  if (masked("status")) {
    if (std::optional<v1::SafeguardingActionEvent> e =
            EventForStatusChange(current.status(), in.status())) {
      event = *e;
    }
  }
  absl::StatusOr<v1::SafeguardingActionStatus> next =
      ApplySafeguardingEvent(current.status(), event);
  if (!next.ok()) return next.status();

  if (masked("due_date")) {
    const absl::CivilDay created =
        UkDay(ToAbslTime(current.create_time()));
    absl::StatusOr<absl::CivilDay> due =
        CheckDueDate(in.due_date(), FieldPath(kActionField, "due_date"),
                     created, "the day the action was created", today);
    if (!due.ok()) return due.status();
  }

  SafeguardingChange change;
  change.action = current;
  v1::SafeguardingAction& a = change.action;
  std::vector<std::string> changed;
  for (absl::string_view path : kSafeguardingUpdatePaths) {
    if (!masked(path)) continue;
    bool differs = false;
    if (path == "status") {
      differs = current.status() != *next;
      a.set_status(*next);
    } else if (path == "notes") {
      differs = current.notes() != in.notes();
      a.set_notes(in.notes());
    } else if (path == "assigned_user") {
      std::string user = *CanonicalUser(in.assigned_user(), path);
      differs = current.assigned_user() != user;
      a.set_assigned_user(std::move(user));
    } else if (path == "due_date") {
      differs = !MessageDifferencer::Equals(current.due_date(), in.due_date());
      *a.mutable_due_date() = in.due_date();
    } else if (path == "priority") {
      differs = current.priority() != in.priority();
      a.set_priority(in.priority());
    } else if (path == "description") {
      differs = current.description() != in.description();
      a.set_description(in.description());
    } else if (path == "rationale") {
      differs = current.rationale() != in.rationale();
      a.set_rationale(in.rationale());
    }
    if (differs) changed.emplace_back(path);
  }
  if (!changed.empty()) *a.mutable_update_time() = ToProtoTime(ctx.now);
  a.clear_overdue();
  change.entry = Entry(event, current.status(), *next, std::move(changed), ctx);
  return change;
}

// ---- Complete, cancel --------------------------------------------------------

namespace {

// Complete and cancel take the same shape of request: a name, one required
// text (outcome or reason) and the etag.
absl::StatusOr<CaseChildName> ValidateCloseRequest(absl::string_view name,
                                                   absl::string_view text_field,
                                                   absl::string_view text,
                                                   absl::string_view etag) {
  absl::StatusOr<CaseChildName> parsed =
      ValidateSafeguardingActionName(name, "name");
  if (!parsed.ok()) return parsed.status();
  if (absl::Status s = CheckLongText(text_field, text, true); !s.ok()) return s;
  if (absl::Status s = CheckEtagPresent(etag, "etag"); !s.ok()) return s;
  return parsed;
}

absl::StatusOr<SafeguardingChange> ApplyCloseRequest(
    const v1::SafeguardingAction& current, v1::SafeguardingActionEvent event,
    absl::string_view name, absl::string_view text_field,
    absl::string_view text, absl::string_view etag,
    const SafeguardingContext& ctx) {
  if (absl::StatusOr<CaseChildName> parsed =
          ValidateCloseRequest(name, text_field, text, etag);
      !parsed.ok()) {
    return parsed.status();
  }
  if (absl::Status s = CheckEtagCurrent(current, etag); !s.ok()) return s;
  return Close(current, event, text, ctx);
}

}  // namespace

absl::StatusOr<CaseChildName> ValidateCompleteSafeguardingActionRequest(
    const v1::CompleteSafeguardingActionRequest& request) {
  return ValidateCloseRequest(request.name(), "outcome", request.outcome(),
                              request.etag());
}

absl::StatusOr<SafeguardingChange> ApplyCompleteSafeguardingAction(
    const v1::SafeguardingAction& current,
    const v1::CompleteSafeguardingActionRequest& request,
    const SafeguardingContext& ctx) {
  return ApplyCloseRequest(current, v1::SAFEGUARDING_ACTION_EVENT_COMPLETE,
                           request.name(), "outcome", request.outcome(),
                           request.etag(), ctx);
}

absl::StatusOr<CaseChildName> ValidateCancelSafeguardingActionRequest(
    const v1::CancelSafeguardingActionRequest& request) {
  return ValidateCloseRequest(request.name(), "reason", request.reason(),
                              request.etag());
}

absl::StatusOr<SafeguardingChange> ApplyCancelSafeguardingAction(
    const v1::SafeguardingAction& current,
    const v1::CancelSafeguardingActionRequest& request,
    const SafeguardingContext& ctx) {
  return ApplyCloseRequest(current, v1::SAFEGUARDING_ACTION_EVENT_CANCEL,
                           request.name(), "reason", request.reason(),
                           request.etag(), ctx);
}

// ---- Victim-services opt-out -----------------------------------------------

std::vector<std::string> SafeguardingActionsToCancelOnOptOut(
    absl::Span<const SafeguardingActionFacts> case_actions) {
  std::vector<std::string> ids;
  for (const SafeguardingActionFacts& action : case_actions) {
    if (action.assigned_agency_kind == v1::AGENCY_KIND_VICTIM_SERVICE &&
        IsActiveSafeguardingStatus(action.status)) {
      ids.push_back(action.id);
    }
  }
  return ids;
}

std::string OptOutCancelReason(absl::string_view opt_out_reason) {
  constexpr absl::string_view kBase = "Victim opted out of victim services";
  if (absl::StripAsciiWhitespace(opt_out_reason).empty()) {
    return std::string(kBase);
  }
  return absl::StrCat(kBase, ": ", opt_out_reason);
}

absl::StatusOr<SafeguardingChange> CancelSafeguardingActionForOptOut(
    const v1::SafeguardingAction& current, absl::string_view opt_out_reason,
    const SafeguardingContext& ctx) {
  return Close(current, v1::SAFEGUARDING_ACTION_EVENT_CANCEL,
               OptOutCancelReason(opt_out_reason), ctx);
}

// ---- MARAC referral ----------------------------------------------------------

absl::StatusOr<CaseKey> ValidateReferToMaracRequest(
    const v1::ReferToMaracRequest& request, absl::CivilDay today) {
  absl::StatusOr<CaseKey> parent = ParseCaseName(request.parent(), "parent");
  if (!parent.ok()) return parent.status();
  if (absl::StatusOr<absl::CivilDay> date =
          ParseDate("referral.marac_date", request.referral().marac_date(),
                    kSafeguardingDate);
      !date.ok()) {
    return date.status();
  }
  if (absl::Status s =
          CheckLongText("referral.reason", request.referral().reason(), true);
      !s.ok()) {
    return s;
  }
  if (request.actions_size() > kMaxMaracActions) {
    return FieldError("actions",
                      absl::StrCat("must be at most ", kMaxMaracActions,
                                   " actions (got ", request.actions_size(),
                                   ")"));
  }
  for (int i = 0; i < request.actions_size(); ++i) {
    const std::string field = absl::StrCat("actions[", i, "]");
    if (absl::Status s =
            ValidateNewSafeguardingAction(request.actions(i), field, today);
        !s.ok()) {
      return s;
    }
    if (request.actions(i).type() ==
        v1::SAFEGUARDING_ACTION_TYPE_MARAC_REFERRAL) {
      return FieldError(FieldPath(field, "type"),
                        "a MARAC referral is not an action agreed at the "
                        "MARAC (this call records the referral itself)");
    }
  }
  if (absl::Status s = CheckRequestId(request.request_id()); !s.ok()) return s;
  return parent;
}

absl::Status CheckMaracReferralAllowed(const SafeguardingCaseFacts& kase) {
  if (kase.status == v1::CASE_STATUS_CLOSED) {
    return absl::FailedPreconditionError(
        "the case is CLOSED: reopen it before referring it to MARAC");
  }
  if (kase.risk_level != v1::RISK_LEVEL_HIGH) {
    const std::string level =
        kase.risk_level == v1::RISK_LEVEL_UNSPECIFIED
            ? std::string("not assessed")
            : ShortEnumName(v1::RiskLevel_descriptor(), kase.risk_level);
    return absl::FailedPreconditionError(absl::StrCat(
        "a MARAC referral needs the case's risk level to be HIGH; it is ",
        level, " (record a risk assessment first)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<MaracReferralPlan> PlanMaracReferral(
    const v1::ReferToMaracRequest& request, const SafeguardingCaseFacts& kase,
    const absl::flat_hash_map<std::string, v1::AgencyKind>& agency_kinds,
    absl::Span<const SafeguardingActionFacts> case_actions,
    const SafeguardingContext& ctx) {
  if (absl::StatusOr<CaseKey> parent =
          ValidateReferToMaracRequest(request, ctx.today());
      !parent.ok()) {
    return parent.status();
  }
  if (absl::Status s = CheckMaracReferralAllowed(kase); !s.ok()) return s;

  MaracReferralPlan plan;
  plan.referral.set_reason(request.referral().reason());
  *plan.referral.mutable_marac_date() = request.referral().marac_date();
  plan.referral.set_risk_level(kase.risk_level);
  plan.referral.set_referred_by(ctx.actor);
  *plan.referral.mutable_create_time() = ToProtoTime(ctx.now);

  for (int i = 0; i < request.actions_size(); ++i) {
    const std::string field = absl::StrCat("actions[", i, "]");
    const std::string agency = AgencyName(*ParseTopLevelName(
        request.actions(i).assigned_agency(), "agencies", field));
    auto kind = agency_kinds.find(agency);
    absl::StatusOr<SafeguardingChange> action = NewActionAt(
        request.actions(i), field,
        kind == agency_kinds.end() ? v1::AGENCY_KIND_UNSPECIFIED : kind->second,
        kase, ctx);
    if (!action.ok()) return action.status();
    plan.new_actions.push_back(*std::move(action));
  }
  for (const SafeguardingActionFacts& action : case_actions) {
    if (action.type == v1::SAFEGUARDING_ACTION_TYPE_MARAC_REFERRAL &&
        IsActiveSafeguardingStatus(action.status)) {
      plan.referral_actions_to_complete.push_back(action.id);
    }
  }
  return plan;
}

absl::StatusOr<SafeguardingChange> CompleteSafeguardingActionByMaracReferral(
    const v1::SafeguardingAction& current, const v1::MaracReferral& referral,
    const SafeguardingContext& ctx) {
  if (current.type() != v1::SAFEGUARDING_ACTION_TYPE_MARAC_REFERRAL) {
    return absl::FailedPreconditionError(absl::StrCat(
        current.name(), " is not a MARAC referral action; a referral "
                        "completes only those"));
  }
  std::string outcome = "Referred to MARAC";
  if (std::optional<absl::CivilDay> day = ToCivilDay(referral.marac_date())) {
    absl::StrAppend(&outcome, " for the conference on ", FormatDay(*day));
  }
  if (!referral.name().empty()) absl::StrAppend(&outcome, " (", referral.name(), ")");
  return Close(current, v1::SAFEGUARDING_ACTION_EVENT_COMPLETE, outcome, ctx);
}

}  // namespace casebridge::domain
