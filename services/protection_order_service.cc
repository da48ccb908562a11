#include "services/protection_order_service.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "domain/access_policy.h"
#include "domain/case_validation.h"
#include "domain/dates.h"
#include "domain/list_query.h"
#include "domain/protection_order_case.h"
#include "domain/protection_order_lifecycle.h"
#include "domain/protection_order_measures.h"
#include "domain/protection_order_requests.h"
#include "domain/protection_order_views.h"
#include "domain/resource_names.h"
#include "domain/status_macros.h"
#include "domain/validation.h"
#include "google/protobuf/util/message_differencer.h"
#include "services/charging_referrals.h"
#include "services/request_fingerprint.h"
#include "storage/crypto.h"
#include "storage/request_ids.h"

namespace casebridge::services {
namespace {

using domain::Action;
using google::protobuf::util::MessageDifferencer;

constexpr char kMethodPrefix[] = "/casebridge.v1.ProtectionOrderService/";
constexpr char kCollection[] = "protectionOrders";

std::string Method(absl::string_view name) {
  return absl::StrCat(kMethodPrefix, name);
}

std::string OrderName(absl::string_view case_id, absl::string_view id) {
  return domain::CaseChildResourceName(case_id, kCollection, id);
}

absl::StatusOr<domain::CaseChildName> ParseOrderName(absl::string_view name,
                                                     absl::string_view field) {
  return domain::ParseCaseChildName(name, kCollection, field);
}

// How the caller named it, for messages.
std::string Display(const domain::CaseChildName& name) {
  return absl::StrCat(name.case_key.display(), "/", kCollection, "/",
                      name.child_id);
}

std::string KindWord(domain::OrderKind kind) {
  return kind == v1::PROTECTION_ORDER_KIND_INTERIM ? "Interim" : "Full";
}

// An order as the service reasons about it: as stored, and its facts.
struct Order {
  storage::StoredOrder stored;
  domain::OrderFacts facts;
};

absl::StatusOr<Order> ToOrder(storage::StoredOrder stored) {
  CB_ASSIGN_OR_RETURN(
      domain::OrderFacts facts,
      domain::OrderFromProto(stored.order, stored.status, stored.versions));
  return Order{std::move(stored), std::move(facts)};
}

absl::StatusOr<std::vector<Order>> ToOrders(
    std::vector<storage::StoredOrder> stored) {
  std::vector<Order> out;
  out.reserve(stored.size());
  for (storage::StoredOrder& s : stored) {
    CB_ASSIGN_OR_RETURN(Order o, ToOrder(std::move(s)));
    out.push_back(std::move(o));
  }
  return out;
}

storage::OrderWrite WriteOf(const domain::OrderFacts& facts, absl::Time now) {
  storage::OrderWrite w;
  w.order = domain::OrderToProto(facts, now);
  w.status = facts.status;
  for (const domain::TermsVersion& v : facts.versions) {
    w.versions.push_back(domain::TermsVersionToProto(v));
  }
  return w;
}

bool IsInterimOf(const Order& interim, const Order& main) {
  return interim.facts.kind == v1::PROTECTION_ORDER_KIND_INTERIM &&
         domain::IdOf(interim.stored.order.main_order()) == main.stored.id;
}

// What the order's rules depend on, from the other orders of its case.
domain::LinkedOrderFacts LinkedFacts(const Order& order,
                                     const std::vector<Order>& all,
                                     absl::Time now) {
  domain::LinkedOrderFacts linked;
  if (order.facts.kind == v1::PROTECTION_ORDER_KIND_INTERIM) {
    const std::string main_id = domain::IdOf(order.stored.order.main_order());
    for (const Order& o : all) {
      if (o.stored.id != main_id) continue;
      linked.main_kind = o.facts.kind;
      linked.main_status = domain::EffectiveStatus(o.facts, now);
    }
    return linked;
  }
  for (const Order& o : all) {
    if (IsInterimOf(o, order) &&
        domain::ReplacedInterimWasNotified(o.facts, order.facts)) {
      linked.replaced_interim_notified = true;
    }
  }
  return linked;
}

// The order as a caller in `view` reads it at `now`.
v1::ProtectionOrder Present(const Order& o,
                            const std::vector<std::string>& interim_ids,
                            v1::CaseView view, absl::Time now) {
  v1::ProtectionOrder p = domain::OrderToProto(o.facts, now);
  const v1::ProtectionOrder& stored = o.stored.order;
  p.set_name(stored.name());
  p.set_main_order(stored.main_order());
  for (const std::string& id : interim_ids) {
    p.add_interim_orders(OrderName(o.stored.case_id, id));
  }
  *p.mutable_create_time() = stored.create_time();
  *p.mutable_update_time() = stored.update_time();
  p.set_etag(stored.etag());
  if (view == v1::CASE_VIEW_UNSPECIFIED) {
    // Allowed to act on the case without reading it: the order's name only.
    v1::ProtectionOrder named;
    named.set_name(p.name());
    return named;
  }
  // Which fields the caller's agency sees is the runner's to decide
  // (domain/visibility.h).
  return p;
}

// The top-level fields of an order that differ, for the audit record.
class TopLevelFields : public MessageDifferencer::Reporter {
 public:
  void ReportAdded(
      const google::protobuf::Message&, const google::protobuf::Message&,
      const std::vector<MessageDifferencer::SpecificField>& path) override {
    Note(path);
  }
  void ReportDeleted(
      const google::protobuf::Message&, const google::protobuf::Message&,
      const std::vector<MessageDifferencer::SpecificField>& path) override {
    Note(path);
  }
  void ReportModified(
      const google::protobuf::Message&, const google::protobuf::Message&,
      const std::vector<MessageDifferencer::SpecificField>& path) override {
    Note(path);
  }
  std::vector<std::string> fields() const {
    return std::vector<std::string>(fields_.begin(), fields_.end());
  }

 private:
  void Note(const std::vector<MessageDifferencer::SpecificField>& path) {
    if (!path.empty() && path.front().field != nullptr) {
      fields_.insert(path.front().field->name());
    }
  }
  std::set<std::string> fields_;
};

std::vector<std::string> ChangedFields(const v1::ProtectionOrder& before,
                                       const v1::ProtectionOrder& after) {
  TopLevelFields reporter;
  MessageDifferencer differ;
  differ.ReportDifferencesTo(&reporter);
  differ.Compare(before, after);
  return reporter.fields();
}

// `prefix` then as much of `text` as keeps the whole within the limit of a
// long text field (in characters, as domain::CheckText counts them).
std::string FitLongText(absl::string_view prefix, absl::string_view text) {
  std::string out(prefix);
  size_t chars = 0;
  for (unsigned char c : out) chars += (c & 0xC0) != 0x80;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80 && ++chars > domain::kMaxLongText) break;
    out.push_back(text[i]);
  }
  return out;
}

// The case's SPO consideration follows its orders: recording that an order
// was considered (or not pursued) answers the CONSIDER_SPO recommendation.
// The case's version moves, as for any change of the case record.
absl::Status RecordSpoConsideration(storage::Tx& tx,
                                    const storage::CaseRepository& cases,
                                    const CallContext& call,
                                    absl::string_view case_id,
                                    std::string reason) {
  CB_ASSIGN_OR_RETURN(
      v1::Case c,
      cases.Get(tx, case_id, domain::FormatDay(domain::UkDay(call.now))));
  CB_ASSIGN_OR_RETURN(int64_t version,
                      domain::ParseEtag("case.etag", c.etag()));
  storage::CaseUpdate update;
  if (!c.officer_in_charge().empty()) {
    update.officer_id = domain::IdOf(c.officer_in_charge());
  }
  update.summary = c.summary();
  update.relationship = c.relationship();
  update.typology = c.typology();
  update.lawful_basis_notes = c.lawful_basis_notes();
  v1::SpoConsideration spo;
  spo.set_considered(true);
  spo.set_reason(std::move(reason));
  update.spo = spo;
  return cases
      .Update(tx, case_id, version, update, c, call.principal.user_id, call.now)
      .status();
}

// Police and CPS read what happened in the order's own words; partners an
// entry of their own for what brings an order into force, changes its terms
// or ends it (who reads which kind: domain/visibility.cc).
void AppendTimeline(storage::Tx& tx,
                    const storage::TimelineRepository& timeline,
                    const CallContext& call, const Order& order,
                    const domain::OrderHistoryRecord& history,
                    const domain::OrderFacts& after) {
  const std::string& name = order.stored.order.name();
  timeline.Append(
      tx, TimelineEntryFor(call, order.stored.case_id,
                           v1::TIMELINE_ENTRY_KIND_PROTECTION_ORDER,
                           absl::StrCat(KindWord(after.kind),
                                        " protection order: ", history.summary),
                           name));
  if (std::optional<std::string> partners =
          domain::SafeguardingOrderSummary(history, after)) {
    timeline.Append(tx, TimelineEntryFor(call, order.stored.case_id,
                                         v1::TIMELINE_ENTRY_KIND_PROTECTION_ORDER_IN_FORCE,
                                         *std::move(partners), name));
  }
}

}  // namespace

// ---- Events -----------------------------------------------------------------

absl::StatusOr<ProtectionOrderServiceImpl::EventResult>
ProtectionOrderServiceImpl::ApplyEvent(CallContext& call, storage::Tx& tx,
                                       const domain::CaseChildName& name,
                                       const Sent& sent, const EventMaker& make,
                                       const BeforeStore& before_store) {
  CB_ASSIGN_OR_RETURN(
      CaseScope scope,
      AuthorizeCase(call, tx, name.case_key, Action::kManageProtectionOrders));
  CB_ASSIGN_OR_RETURN(const int64_t expected_version,
                      domain::ParseEtag(sent.etag_field, sent.etag));
  if (sent.check) CB_RETURN_IF_ERROR(sent.check());
  const std::string& case_id = scope.ref.id;
  // Every order of the case, read under the case's lock: the event may
  // supersede interim orders, and the case's active-order columns follow all
  // of them.
  CB_RETURN_IF_ERROR(cases_.Lock(tx, case_id).status());
  CB_ASSIGN_OR_RETURN(std::vector<storage::StoredOrder> stored,
                      orders_.ListForCase(tx, case_id));
  CB_ASSIGN_OR_RETURN(std::vector<Order> all, ToOrders(std::move(stored)));
  auto target = std::find_if(all.begin(), all.end(), [&](const Order& o) {
    return o.stored.id == name.child_id;
  });
  if (target == all.end()) {
    return absl::NotFoundError(absl::StrCat(Display(name), " not found"));
  }
  if (target->stored.version != expected_version) {
    return domain::StaleEtagError(target->stored.order.name(),
                                  target->stored.order.etag());
  }
  target->facts.linked = LinkedFacts(*target, all, call.now);
  CB_ASSIGN_OR_RETURN(domain::OrderEventInput input,
                      make(tx, scope, target->facts));
  CB_ASSIGN_OR_RETURN(domain::OrderTransition transition,
                      domain::ApplyOrderEvent(target->facts, input, call.now));
  if (before_store) CB_RETURN_IF_ERROR(before_store(tx, scope, transition));

  const v1::ProtectionOrder before =
      domain::OrderToProto(target->facts, call.now);
  CB_ASSIGN_OR_RETURN(
      int64_t new_version,
      orders_.Update(tx, target->stored, WriteOf(transition.order, call.now),
                     call.now));
  CB_RETURN_IF_ERROR(orders_.AppendHistory(
      tx, target->stored.id, domain::HistoryEntryToProto(transition.history),
      call.principal.user_id));
  AppendTimeline(tx, timeline_, call, *target, transition.history,
                 transition.order);
  target->facts = transition.order;

  // Deciding the main application ends its interim orders.
  if (transition.supersede_interims.has_value()) {
    for (Order& interim : all) {
      if (!IsInterimOf(interim, *target)) continue;
      CB_ASSIGN_OR_RETURN(
          std::optional<domain::OrderTransition> ended,
          domain::SupersedeInterim(
              interim.facts, transition.supersede_interims->main_decision_date,
              call.now));
      if (!ended.has_value()) continue;
      CB_RETURN_IF_ERROR(orders_
                             .Update(tx, interim.stored,
                                     WriteOf(ended->order, call.now), call.now)
                             .status());
      CB_RETURN_IF_ERROR(orders_.AppendHistory(
          tx, interim.stored.id, domain::HistoryEntryToProto(ended->history),
          call.principal.user_id));
      AppendTimeline(tx, timeline_, call, interim, ended->history, ended->order);
      interim.facts = ended->order;
      call.AddResource(interim.stored.order.name());
    }
  }

  // Whether the case has an order in force, and until when.
  std::vector<domain::OrderFacts> facts;
  for (const Order& o : all) facts.push_back(o.facts);
  const domain::CaseOrderActivity activity =
      domain::ComputeCaseOrderActivity(facts, call.now);
  CB_RETURN_IF_ERROR(orders_.SetCaseOrderActivity(
      tx, case_id, activity.active,
      activity.active_until ? domain::FormatDay(*activity.active_until) : "",
      call.now));

  // Answer with what is stored.
  CB_ASSIGN_OR_RETURN(std::optional<storage::StoredOrder> reloaded,
                      orders_.Get(tx, case_id, target->stored.id));
  if (!reloaded.has_value()) {
    return absl::InternalError("the order vanished while being written");
  }
  CB_ASSIGN_OR_RETURN(Order after, ToOrder(*std::move(reloaded)));
  CB_ASSIGN_OR_RETURN(auto interims, orders_.InterimIds(tx, {after.stored.id}));
  EventResult result;
  result.order =
      Present(after, interims[after.stored.id], scope.view, call.now);
  result.scope = std::move(scope);
  result.transition = std::move(transition);
  call.RecordChange(
      ChangedFields(before, domain::OrderToProto(after.facts, call.now)),
      domain::FormatEtag(expected_version), domain::FormatEtag(new_version));
  call.DisclosesCaseContent();
  return result;
}

grpc::Status ProtectionOrderServiceImpl::RunEvent(
    grpc::ServerContext* context, absl::string_view method,
    const google::protobuf::Message& request,
    absl::string_view name, absl::string_view etag,
    const std::function<
        absl::StatusOr<domain::OrderEventInput>(const CallContext&)>& parse,
    v1::ProtectionOrder* response) {
  return runner_->Run(context, Method(method), request, response, [&](CallContext& call) {
    call.AddResource(name);
    CB_ASSIGN_OR_RETURN(domain::CaseChildName order,
                        ParseOrderName(name, "name"));
    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      domain::OrderEventInput input;
      CB_ASSIGN_OR_RETURN(
          EventResult result,
          ApplyEvent(call, tx, order,
                     {.etag = etag,
                      .check = [&]() -> absl::Status {
                        CB_ASSIGN_OR_RETURN(input, parse(call));
                        return absl::OkStatus();
                      }},
                     [&](storage::Tx&, const CaseScope&,
                         const domain::OrderFacts&) { return input; }));
      *response = std::move(result.order);
      return absl::OkStatus();
    });
  });
}

template <typename Request>
grpc::Status ProtectionOrderServiceImpl::RunParsedEvent(
    grpc::ServerContext* context, absl::string_view method,
    const Request& request,
    absl::StatusOr<domain::OrderEventInput> (*parse)(const Request&,
                                                     absl::Time),
    v1::ProtectionOrder* response) {
  return RunEvent(
      context, method, request, request.name(), request.etag(),
      [&](const CallContext& call) { return parse(request, call.now); },
      response);
}

grpc::Status ProtectionOrderServiceImpl::CreateProtectionOrder(
    grpc::ServerContext* context,
    const v1::CreateProtectionOrderRequest* request,
    v1::ProtectionOrder* response) {
  return runner_->Run(context, Method("CreateProtectionOrder"), *request, response, [&](CallContext& call) {
        call.audit.request_id = request->request_id();
        call.AddResource(request->parent());
        CB_ASSIGN_OR_RETURN(domain::CaseKey key,
                            domain::ParseCaseName(request->parent(), "parent"));

        return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
          CB_ASSIGN_OR_RETURN(
              CaseScope scope,
              AuthorizeCase(call, tx, key, Action::kManageProtectionOrders));
          CB_RETURN_IF_ERROR(domain::ValidateRequestId(request->request_id()));
          CB_ASSIGN_OR_RETURN(domain::ConsiderInput input,
                              domain::ParseCreateProtectionOrder(*request));
          std::optional<domain::CaseChildName> main;
          if (!input.main_order.empty()) {
            CB_ASSIGN_OR_RETURN(
                main,
                ParseOrderName(input.main_order, "protection_order.main_order"));
          }
          const std::string& case_id = scope.ref.id;
          std::string id = storage::NewUuid();
          CB_ASSIGN_OR_RETURN(
              std::optional<std::string> earlier,
              storage::ClaimRequestId(tx, call.principal.user_id, call.method,
                                      request->request_id(),
                                      OrderName(case_id, id),
                                      RequestFingerprint(*request)));
          if (earlier.has_value()) {
            // A retry: answer with what the first call created.
            CB_ASSIGN_OR_RETURN(std::optional<storage::StoredOrder> first,
                                orders_.Get(tx, case_id, domain::IdOf(*earlier)));
            if (!first.has_value()) {
              return absl::FailedPreconditionError(
                  "request_id was used for an order of another case");
            }
            CB_ASSIGN_OR_RETURN(Order o, ToOrder(*std::move(first)));
            CB_ASSIGN_OR_RETURN(auto interims,
                                orders_.InterimIds(tx, {o.stored.id}));
            *response = Present(o, interims[o.stored.id], scope.view, call.now);
            call.AddResource(response->name());
            call.DisclosesCaseContent();
            return absl::OkStatus();
          }
          CB_RETURN_IF_ERROR(RequireOpenCase(scope));
          CB_RETURN_IF_ERROR(cases_.Lock(tx, case_id).status());

          domain::LinkedOrderFacts linked;
          std::string main_id;
          if (main.has_value()) {
            constexpr char kMainField[] = "protection_order.main_order";
            if (!IsCaseOf(main->case_key, scope.ref)) {
              return domain::FieldError(kMainField,
                                        "must be an order of the same case");
            }
            CB_ASSIGN_OR_RETURN(std::optional<storage::StoredOrder> found,
                                orders_.Get(tx, case_id, main->child_id));
            if (!found.has_value()) {
              return domain::FieldError(
                  kMainField, "must name a full order of the same case");
            }
            CB_ASSIGN_OR_RETURN(Order main_order, ToOrder(*std::move(found)));
            linked.main_kind = main_order.facts.kind;
            linked.main_status =
                domain::EffectiveStatus(main_order.facts, call.now);
            main_id = main_order.stored.id;
            input.main_order = OrderName(case_id, main_id);
          }
          CB_ASSIGN_OR_RETURN(domain::NewOrderResult made,
                              domain::ConsiderOrder(input, linked, call.now));
          CB_RETURN_IF_ERROR(orders_.Insert(tx, id, case_id, main_id,
                                            WriteOf(made.order, call.now),
                                            call.principal.user_id, call.now));
          CB_ASSIGN_OR_RETURN(std::optional<storage::StoredOrder> inserted,
                              orders_.Get(tx, case_id, id));
          if (!inserted.has_value()) {
            return absl::InternalError("the new order was not stored");
          }
          CB_ASSIGN_OR_RETURN(Order order, ToOrder(*std::move(inserted)));
          for (const domain::OrderHistoryRecord& h : made.history) {
            CB_RETURN_IF_ERROR(
                orders_.AppendHistory(tx, id, domain::HistoryEntryToProto(h),
                                      call.principal.user_id));
            AppendTimeline(tx, timeline_, call, order, h, order.facts);
          }
          const std::string kind = KindWord(input.kind);
          CB_RETURN_IF_ERROR(RecordSpoConsideration(
              tx, cases_, call, case_id,
              input.not_pursued_reason.empty()
                  ? FitLongText(
                        absl::StrCat(
                            kind, " protection order considered",
                            input.consideration_notes.empty() ? "" : ": "),
                        input.consideration_notes)
                  : FitLongText(absl::StrCat(kind,
                                             " protection order considered and "
                                             "not pursued: "),
                                input.not_pursued_reason)));
          *response = Present(order, {}, scope.view, call.now);
          call.AddResource(response->name());
          call.RecordChange({"protection_order", "case.spo_consideration"}, "",
                            response->etag());
          call.DisclosesCaseContent();
          return absl::OkStatus();
        });
      });
}

grpc::Status ProtectionOrderServiceImpl::UpdateProtectionOrder(
    grpc::ServerContext* context,
    const v1::UpdateProtectionOrderRequest* request,
    v1::ProtectionOrder* response) {
  const v1::ProtectionOrder& input = request->protection_order();
  return runner_->Run(context, Method("UpdateProtectionOrder"), *request, response, [&](CallContext& call) {
        call.AddResource(input.name());
        CB_ASSIGN_OR_RETURN(
            domain::CaseChildName order,
            ParseOrderName(input.name(), "protection_order.name"));
        return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
          domain::OrderEventInput event;
          CB_ASSIGN_OR_RETURN(
              EventResult result,
              ApplyEvent(call, tx, order,
                         {.etag = input.etag(),
                          .etag_field = "protection_order.etag",
                          .check = [&]() -> absl::Status {
                            CB_ASSIGN_OR_RETURN(
                                event, domain::ParseUpdateProtectionOrder(*request));
                            return absl::OkStatus();
                          }},
                         [&](storage::Tx&, const CaseScope&,
                             const domain::OrderFacts& stored) {
                           // Only the text the update changes is checked
                           // for a restricted address (docs/VISIBILITY.md).
                           call.Replaces(domain::OrderToProto(stored, call.now));
                           return event;
                         }));
          *response = std::move(result.order);
          return absl::OkStatus();
        });
      });
}

grpc::Status ProtectionOrderServiceImpl::RecordOrderNotPursued(
    grpc::ServerContext* context,
    const v1::RecordOrderNotPursuedRequest* request,
    v1::ProtectionOrder* response) {
  return runner_->Run(context, Method("RecordOrderNotPursued"), *request, response, [&](CallContext& call) {
        call.AddResource(request->name());
        CB_ASSIGN_OR_RETURN(domain::CaseChildName order,
                            ParseOrderName(request->name(), "name"));
        return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
          domain::OrderEventInput event;
          CB_ASSIGN_OR_RETURN(
              EventResult result,
              ApplyEvent(call, tx, order,
                         {.etag = request->etag(),
                          .check = [&]() -> absl::Status {
                            CB_ASSIGN_OR_RETURN(
                                event, domain::ParseRecordOrderNotPursued(*request));
                            return absl::OkStatus();
                          }},
                         [&](storage::Tx&, const CaseScope&,
                             const domain::OrderFacts&) { return event; }));
          // The case's consideration says why, as CreateProtectionOrder's does.
          CB_RETURN_IF_ERROR(RecordSpoConsideration(
              tx, cases_, call, result.scope.ref.id,
              FitLongText(absl::StrCat(KindWord(result.transition.order.kind),
                                       " protection order considered and not "
                                       "pursued: "),
                          request->reason())));
          *response = std::move(result.order);
          return absl::OkStatus();
        });
      });
}

grpc::Status ProtectionOrderServiceImpl::ApplyForOrder(
    grpc::ServerContext* context, const v1::ApplyForOrderRequest* request,
    v1::ProtectionOrder* response) {
  return RunParsedEvent(context, "ApplyForOrder", *request,
                        &domain::ParseApplyForOrder, response);
}

grpc::Status ProtectionOrderServiceImpl::RecordHearing(
    grpc::ServerContext* context, const v1::RecordHearingRequest* request,
    v1::ProtectionOrder* response) {
  return RunEvent(
      context, "RecordHearing", *request, request->name(), request->etag(),
      [&](const CallContext&) { return domain::ParseRecordHearing(*request); },
      response);
}

grpc::Status ProtectionOrderServiceImpl::RecordCourtDecision(
    grpc::ServerContext* context, const v1::RecordCourtDecisionRequest* request,
    v1::ProtectionOrder* response) {
  return RunParsedEvent(context, "RecordCourtDecision", *request,
                        &domain::ParseRecordCourtDecision, response);
}

grpc::Status ProtectionOrderServiceImpl::RecordService(
    grpc::ServerContext* context, const v1::RecordServiceRequest* request,
    v1::ProtectionOrder* response) {
  return RunParsedEvent(context, "RecordService", *request,
                        &domain::ParseRecordService, response);
}

grpc::Status ProtectionOrderServiceImpl::RecordNotification(
    grpc::ServerContext* context, const v1::RecordNotificationRequest* request,
    v1::ProtectionOrder* response) {
  return RunParsedEvent(context, "RecordNotification", *request,
                        &domain::ParseRecordNotification, response);
}

grpc::Status ProtectionOrderServiceImpl::RecordDetailsChange(
    grpc::ServerContext* context, const v1::RecordDetailsChangeRequest* request,
    v1::ProtectionOrder* response) {
  return RunParsedEvent(context, "RecordDetailsChange", *request,
                        &domain::ParseRecordDetailsChange, response);
}

grpc::Status ProtectionOrderServiceImpl::ApplyForVariation(
    grpc::ServerContext* context, const v1::ApplyForVariationRequest* request,
    v1::ProtectionOrder* response) {
  return RunParsedEvent(context, "ApplyForVariation", *request,
                        &domain::ParseApplyForVariation, response);
}

grpc::Status ProtectionOrderServiceImpl::ApplyForRenewal(
    grpc::ServerContext* context, const v1::ApplyForRenewalRequest* request,
    v1::ProtectionOrder* response) {
  return RunParsedEvent(context, "ApplyForRenewal", *request,
                        &domain::ParseApplyForRenewal, response);
}

grpc::Status ProtectionOrderServiceImpl::ApplyForDischarge(
    grpc::ServerContext* context, const v1::ApplyForDischargeRequest* request,
    v1::ProtectionOrder* response) {
  return RunParsedEvent(context, "ApplyForDischarge", *request,
                        &domain::ParseApplyForDischarge, response);
}

grpc::Status ProtectionOrderServiceImpl::RecordApplicationDecision(
    grpc::ServerContext* context,
    const v1::RecordApplicationDecisionRequest* request,
    v1::ProtectionOrder* response) {
  return runner_->Run(context, Method("RecordApplicationDecision"), *request, response, [&](CallContext& call) {
        call.AddResource(request->name());
        CB_ASSIGN_OR_RETURN(domain::CaseChildName order,
                            ParseOrderName(request->name(), "name"));
        return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
          domain::ApplicationDecision decision;
          // Which event it is depends on the application pending.
          CB_ASSIGN_OR_RETURN(
              EventResult result,
              ApplyEvent(call, tx, order,
                         {.etag = request->etag(),
                          .check = [&]() -> absl::Status {
                            CB_ASSIGN_OR_RETURN(
                                decision, domain::ParseRecordApplicationDecision(
                                              *request, call.now));
                            return absl::OkStatus();
                          }},
                         [&](storage::Tx&, const CaseScope&,
                             const domain::OrderFacts& facts) {
                           return domain::ApplicationDecisionEvent(
                               facts, decision, call.now);
                         }));
          *response = std::move(result.order);
          return absl::OkStatus();
        });
      });
}

grpc::Status ProtectionOrderServiceImpl::RecordAppeal(
    grpc::ServerContext* context, const v1::RecordAppealRequest* request,
    v1::ProtectionOrder* response) {
  return RunParsedEvent(context, "RecordAppeal", *request,
                        &domain::ParseRecordAppeal, response);
}

grpc::Status ProtectionOrderServiceImpl::RecordAppealDecision(
    grpc::ServerContext* context,
    const v1::RecordAppealDecisionRequest* request,
    v1::ProtectionOrder* response) {
  return RunParsedEvent(context, "RecordAppealDecision", *request,
                        &domain::ParseRecordAppealDecision, response);
}

namespace {

// The case suspect an order's defendant is: by name, or the only suspect.
// The CPS file needs one, so a case without a matching suspect is told how
// to fix it rather than losing the referral.
absl::StatusOr<int> DefendantSuspectNumber(absl::string_view defendant,
                                           const std::vector<v1::Person>& suspects) {
  const std::string wanted =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(defendant));
  for (size_t i = 0; i < suspects.size(); ++i) {
    const v1::Person& p = suspects[i];
    std::string full = absl::AsciiStrToLower(
        absl::StrCat(p.given_name(), " ", p.family_name()));
    if (!wanted.empty() && (absl::StripAsciiWhitespace(full) == wanted ||
                            absl::AsciiStrToLower(p.family_name()) == wanted)) {
      return static_cast<int>(i) + 1;
    }
  }
  if (suspects.size() == 1) return 1;
  return absl::FailedPreconditionError(absl::StrCat(
      "a breach is referred to the CPS against a suspect of the case, and "
      "none matches the defendant \"", defendant,
      "\"; add the defendant to the case's suspects (UpdateCase) and record "
      "the breach again"));
}

}  // namespace

grpc::Status ProtectionOrderServiceImpl::RecordBreach(
    grpc::ServerContext* context, const v1::RecordBreachRequest* request,
    v1::RecordBreachResponse* response) {
  return runner_->Run(context, Method("RecordBreach"), *request, response, [&](CallContext& call) {
    call.AddResource(request->name());
    CB_ASSIGN_OR_RETURN(domain::CaseChildName order,
                        ParseOrderName(request->name(), "name"));
    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      domain::OrderEventInput event;
      CB_ASSIGN_OR_RETURN(
          EventResult result,
          ApplyEvent(
              call, tx, order,
              {.etag = request->etag(),
               .check = [&]() -> absl::Status {
                 CB_ASSIGN_OR_RETURN(event,
                                     domain::ParseRecordBreach(*request, call.now));
                 return absl::OkStatus();
               }},
              [&](storage::Tx& inner, const CaseScope& scope,
                  const domain::OrderFacts&)
                  -> absl::StatusOr<domain::OrderEventInput> {
                // The linked incident must be one of this case's.
                domain::OrderEventInput in = event;
                auto& breach = std::get<domain::BreachInput>(in.payload);
                if (breach.incident.empty()) return in;
                constexpr char kField[] = "breach.incident";
                CB_ASSIGN_OR_RETURN(domain::CaseChildName incident,
                                    domain::ParseCaseChildName(
                                        breach.incident, "incidents", kField));
                if (!IsCaseOf(incident.case_key, scope.ref)) {
                  return domain::FieldError(
                      kField, "must be an incident of the same case");
                }
                CB_ASSIGN_OR_RETURN(
                    std::optional<v1::Incident> found,
                    cases_.GetIncident(inner, scope.ref.id, incident.child_id));
                if (!found.has_value()) {
                  return domain::FieldError(
                      kField, "must be an incident of the same case");
                }
                breach.incident = found->name();
                return in;
              },
              [&](storage::Tx& inner, const CaseScope& scope,
                  domain::OrderTransition& transition) -> absl::Status {
                // A breach opens new criminal proceedings: refer it to the
                // CPS in this transaction, before the breach is stored with
                // the file's name.
                if (!transition.charging_referral.has_value() ||
                    transition.order.breaches.empty()) {
                  return absl::OkStatus();
                }
                CB_ASSIGN_OR_RETURN(std::vector<v1::Person> suspects,
                                    CaseSuspects(call, inner, scope.ref.id));
                CB_ASSIGN_OR_RETURN(
                    int suspect_number,
                    DefendantSuspectNumber(transition.order.defendant, suspects));
                domain::SpoBreachReferral referral;
                referral.source_order = request->name();
                referral.suspect.set_suspect_number(suspect_number);
                // Recording a breach arrests nobody; police update the
                // suspect's status when they submit the full file.
                referral.suspect.set_bail_status(v1::BAIL_STATUS_NOT_ARRESTED);
                // The file goes to the CPS: the breach as police wrote it
                // (the description, read by the CPS, was refused had it held
                // a restricted address: the runner's write check).
                referral.summary = absl::StrCat(
                    "Breach of a Stalking Protection Order on ",
                    domain::FormatUkTime(transition.charging_referral->occur_time),
                    ": ", transition.charging_referral->description);
                referral.recorded_by = domain::UserName(call.principal.user_id);
                CB_ASSIGN_OR_RETURN(
                    v1::ChargingFile file,
                    OpenSpoBreachReferral(call, inner, scope, referral));
                transition.order.breaches.back().charging_file = file.name();
                return absl::OkStatus();
              }));
      const int breach_id = result.transition.charging_referral.has_value()
                                ? result.transition.charging_referral->breach_id
                                : 0;
      for (const v1::OrderBreach& b : result.order.breaches()) {
        if (b.id() == breach_id) *response->mutable_breach() = b;
      }
      response->set_charging_file(response->breach().charging_file());
      *response->mutable_protection_order() = std::move(result.order);
      return absl::OkStatus();
    });
  });
}

// ---- Reads ------------------------------------------------------------------

grpc::Status ProtectionOrderServiceImpl::GetProtectionOrder(
    grpc::ServerContext* context, const v1::GetProtectionOrderRequest* request,
    v1::ProtectionOrder* response) {
  return runner_->Run(context, Method("GetProtectionOrder"), *request, response, [&](CallContext& call) {
        call.AddResource(request->name());
        CB_ASSIGN_OR_RETURN(domain::CaseChildName name,
                            ParseOrderName(request->name(), "name"));
        return runner_->Read(call, [&](storage::Tx& tx) -> absl::Status {
          CB_ASSIGN_OR_RETURN(CaseScope scope,
                              AuthorizeCase(call, tx, name.case_key,
                                            Action::kReadProtectionOrders));
          CB_ASSIGN_OR_RETURN(std::optional<storage::StoredOrder> stored,
                              orders_.Get(tx, scope.ref.id, name.child_id));
          // To a partner an order not in force does not exist.
          std::optional<Order> order;
          if (stored.has_value()) {
            CB_ASSIGN_OR_RETURN(order, ToOrder(*std::move(stored)));
          }
          if (!order.has_value() ||
              !domain::OrderVisibleInView(scope.view, order->facts, call.now)) {
            return absl::NotFoundError(
                absl::StrCat(Display(name), " not found"));
          }
          CB_ASSIGN_OR_RETURN(auto interims,
                              orders_.InterimIds(tx, {order->stored.id}));
          *response = Present(*order, interims[order->stored.id], scope.view,
                              call.now);
          call.DisclosesCaseContent();
          return absl::OkStatus();
        });
      });
}

grpc::Status ProtectionOrderServiceImpl::ListProtectionOrders(
    grpc::ServerContext* context,
    const v1::ListProtectionOrdersRequest* request,
    v1::ListProtectionOrdersResponse* response) {
  return runner_->Run(context, Method("ListProtectionOrders"), *request, response, [&](CallContext& call) {
        call.AddResource(request->parent());
        // cases/- : every case the caller may see.
        const bool every_case = request->parent() == "cases/-";
        domain::CaseKey key;
        if (every_case) {
          CB_RETURN_IF_ERROR(
              domain::AuthorizeAction(call.principal, Action::kListCases));
        } else {
          CB_ASSIGN_OR_RETURN(
              key, domain::ParseCaseName(request->parent(), "parent"));
        }

        return runner_->Read(call, [&](storage::Tx& tx) -> absl::Status {
          // The view of each case: one for a named case, per case for cases/-.
          CaseScope scope;
          if (!every_case) {
            CB_ASSIGN_OR_RETURN(
                scope,
                AuthorizeCase(call, tx, key, Action::kReadProtectionOrders));
          }
          CB_ASSIGN_OR_RETURN(int page_size,
                              domain::ResolvePageSize(request->page_size()));
          CB_ASSIGN_OR_RETURN(domain::OrderListFilter filter,
                              domain::ParseOrderListFilter(request->filter()));
          CB_ASSIGN_OR_RETURN(
              domain::ListFilter terms,
              domain::ListFilter::Parse(request->filter(),
                                        domain::kOrderListFilterKeys));
          const std::string query =
              absl::StrCat(every_case ? std::string("cases/-") : key.display(),
                           "|", terms.Canonical());
          CB_ASSIGN_OR_RETURN(
              std::optional<domain::PageCursor> after,
              domain::DecodePageToken(request->page_token(), query));
          storage::OrderListQuery q;
          q.agency_id = call.principal.agency_id;
          if (!every_case) {
            q.case_id = scope.ref.id;
            CB_RETURN_IF_ERROR(
                domain::CheckOrderListFilterForView(filter, scope.view));
          } else {
            // Every view the caller may have of a case listed.
            for (auto r : {domain::Relationship::kOwningForce,
                           domain::Relationship::kShared}) {
              domain::Decision d = domain::Decide(call.principal, r,
                                                  Action::kReadProtectionOrders);
              if (d.allowed) {
                CB_RETURN_IF_ERROR(
                    domain::CheckOrderListFilterForView(filter, d.view));
              }
            }
          }
          auto view_of = [&](const storage::StoredOrder& s) -> v1::CaseView {
            if (!every_case) return scope.view;
            const domain::Relationship relationship =
                s.case_owner_agency_id == call.principal.agency_id
                    ? domain::Relationship::kOwningForce
                : s.case_shared_with_caller ? domain::Relationship::kShared
                                            : domain::Relationship::kNotShared;
            domain::Decision d = domain::Decide(call.principal, relationship,
                                                Action::kReadProtectionOrders);
            return d.allowed ? d.view : v1::CASE_VIEW_UNSPECIFIED;
          };
          // Narrow in SQL what stored columns can decide; the rest below.
          std::set<int> statuses;
          auto only = [&statuses](std::set<int> allowed) {
            if (statuses.empty()) {
              statuses = std::move(allowed);
              return;
            }
            std::set<int> both;
            for (int s : statuses) {
              if (allowed.count(s) > 0) both.insert(s);
            }
            statuses = both.empty() ? std::set<int>{0} : std::move(both);
          };
          const std::set<int> in_force = {v1::PROTECTION_ORDER_STATUS_GRANTED,
                                          v1::PROTECTION_ORDER_STATUS_SERVED};
          if (filter.status.has_value()) {
            only(*filter.status == v1::PROTECTION_ORDER_STATUS_EXPIRED
                     ? in_force
                     : std::set<int>{*filter.status});
          }
          // Partners only ever see orders in force.
          const bool partner_only =
              !every_case ? scope.view == v1::CASE_VIEW_SAFEGUARDING : [&] {
                for (auto r : {domain::Relationship::kOwningForce,
                               domain::Relationship::kShared}) {
                  domain::Decision d = domain::Decide(
                      call.principal, r, Action::kReadProtectionOrders);
                  if (d.allowed && d.view != v1::CASE_VIEW_SAFEGUARDING) {
                    return false;
                  }
                }
                return true;
              }();
          if (filter.active.value_or(false) || filter.expiring_within_days ||
              partner_only) {
            only(in_force);
            q.not_ended_at = call.now;
          }
          q.kind = filter.kind.value_or(v1::PROTECTION_ORDER_KIND_UNSPECIFIED);
          q.statuses.assign(statuses.begin(), statuses.end());
          if (filter.notification_overdue.value_or(false)) {
            q.open_notification_due_before = call.now;
          }

          // Read on until the page is full, bounded so one call cannot scan
          // everything: a short page with a token is a valid answer.
          const int budget = std::max(page_size * 10, 1000);
          int examined = 0;
          std::optional<domain::PageCursor> cursor = after;
          std::vector<std::pair<Order, v1::CaseView>> matched;
          bool more = true;
          bool stopped_early = false;
          while (more && !stopped_early && examined < budget) {
            CB_ASSIGN_OR_RETURN(storage::Page<storage::StoredOrder> batch,
                                orders_.List(tx, q, cursor, page_size));
            more = batch.next.has_value();
            for (size_t i = 0; i < batch.items.size(); ++i) {
              storage::StoredOrder& s = batch.items[i];
              ++examined;
              cursor = domain::PageCursor{
                  absl::StrCat(absl::ToUnixMicros(
                      domain::ToAbslTime(s.order.create_time()))),
                  s.id};
              const v1::CaseView view = view_of(s);
              CB_ASSIGN_OR_RETURN(Order o, ToOrder(std::move(s)));
              if (view == v1::CASE_VIEW_UNSPECIFIED ||
                  !domain::OrderVisibleInView(view, o.facts, call.now) ||
                  !domain::MatchesOrderListFilter(o.facts, filter, call.now)) {
                continue;
              }
              matched.emplace_back(std::move(o), view);
              if (static_cast<int>(matched.size()) == page_size) {
                stopped_early = i + 1 < batch.items.size() || more;
                break;
              }
            }
          }
          if (stopped_early || (more && examined >= budget)) {
            response->set_next_page_token(
                domain::EncodePageToken(*cursor, query));
          }

          std::vector<std::string> full_ids;
          for (const auto& [o, view] : matched) full_ids.push_back(o.stored.id);
          CB_ASSIGN_OR_RETURN(auto interims, orders_.InterimIds(tx, full_ids));
          for (const auto& [o, view] : matched) {
            *response->add_protection_orders() =
                Present(o, interims[o.stored.id], view, call.now);
            if (every_case) call.AddListedCase(o.stored.case_id);
            call.AddResource(o.stored.order.name());
          }
          if (response->protection_orders_size() > 0)
            call.DisclosesCaseContent();
          return absl::OkStatus();
        });
      });
}

grpc::Status ProtectionOrderServiceImpl::GetOrderHistory(
    grpc::ServerContext* context, const v1::GetOrderHistoryRequest* request,
    v1::GetOrderHistoryResponse* response) {
  return runner_->Run(context, Method("GetOrderHistory"), *request, response, [&](CallContext& call) {
        call.AddResource(request->name());
        CB_ASSIGN_OR_RETURN(domain::CaseChildName name,
                            ParseOrderName(request->name(), "name"));
        return runner_->Read(call, [&](storage::Tx& tx) -> absl::Status {
          CB_ASSIGN_OR_RETURN(
              CaseScope scope,
              AuthorizeCase(call, tx, name.case_key,
                            Action::kReadProtectionOrderHistory));
          CB_ASSIGN_OR_RETURN(int page_size,
                              domain::ResolvePageSize(request->page_size()));
          const std::string query = Display(name);
          CB_ASSIGN_OR_RETURN(
              std::optional<domain::PageCursor> after,
              domain::DecodePageToken(request->page_token(), query));
          CB_ASSIGN_OR_RETURN(std::optional<storage::StoredOrder> stored,
                              orders_.Get(tx, scope.ref.id, name.child_id));
          if (!stored.has_value()) {
            return absl::NotFoundError(
                absl::StrCat(Display(name), " not found"));
          }
          CB_ASSIGN_OR_RETURN(
              storage::Page<v1::OrderHistoryEntry> page,
              orders_.History(tx, stored->id, after, page_size));
          for (v1::OrderHistoryEntry& e : page.items) {
            *response->add_entries() = std::move(e);
          }
          if (!after.has_value()) {
            for (v1::OrderTermsVersion& v : stored->versions) {
              for (v1::OrderTerm& t : *v.mutable_terms()) {
                if (t.has_geographic_limit()) {
                  v1::GeographicLimit* g = t.mutable_geographic_limit();
                  g->set_description(domain::DescribeGeographicLimit(*g));
                }
              }
              *response->add_terms_versions() = std::move(v);
            }
          }
          if (page.next.has_value()) {
            response->set_next_page_token(
                domain::EncodePageToken(*page.next, query));
          }
          call.DisclosesCaseContent();
          return absl::OkStatus();
        });
      });
}

grpc::Status ProtectionOrderServiceImpl::GetOrderMeasures(
    grpc::ServerContext* context, const v1::GetOrderMeasuresRequest* request,
    v1::OrderMeasures* response) {
  return runner_->Run(context, Method("GetOrderMeasures"), *request, response, [&](CallContext& call) {
        CB_RETURN_IF_ERROR(domain::AuthorizeAction(call.principal,
                                                   Action::kReadOrderMeasures));
        CB_ASSIGN_OR_RETURN(domain::OrderMeasuresQuery query,
                            domain::ParseGetOrderMeasures(*request));
        const std::string agency_id =
            query.agency_id.value_or(call.principal.agency_id);
        call.AddResource(domain::AgencyName(agency_id));
        // A force reads its own measures; another force's need a national
        // role (the table's reach).
        CB_RETURN_IF_ERROR(domain::AuthorizeForAgency(
            call.principal, Action::kReadOrderMeasures, agency_id));
        return runner_->Read(call, [&](storage::Tx& tx) -> absl::Status {
          // Aggregate figures of a police force; no case content.
          absl::StatusOr<v1::Agency> agency =
              identities_.GetAgency(tx, agency_id);
          if (!agency.ok()) {
            if (agency.status().code() == absl::StatusCode::kNotFound) {
              return absl::NotFoundError(
                  absl::StrCat(domain::AgencyName(agency_id), " not found"));
            }
            return agency.status();
          }
          if (agency->kind() != v1::AGENCY_KIND_POLICE) {
            return domain::FieldError("agency", "must be a police force");
          }
          CB_ASSIGN_OR_RETURN(
              domain::OrderMeasureCounts counts,
              orders_.CountMeasures(tx, agency_id, query.range));
          *response = domain::ComputeOrderMeasures(counts, query.range);
          response->set_agency(domain::AgencyName(agency_id));
          return absl::OkStatus();
        });
      });
}

absl::Status AddProtectionOrderIndicators(storage::Tx& tx,
                                          absl::string_view case_id,
                                          absl::Time now, v1::Case* c) {
  storage::ProtectionOrderRepository orders;
  CB_ASSIGN_OR_RETURN(std::vector<storage::StoredOrder> stored,
                      orders.WithOpenNotificationsDueBefore(tx, case_id, now));
  if (stored.empty()) return absl::OkStatus();
  std::vector<domain::NamedOrder> named;
  for (storage::StoredOrder& s : stored) {
    CB_ASSIGN_OR_RETURN(Order o, ToOrder(std::move(s)));
    named.push_back({o.stored.order.name(), std::move(o.facts)});
  }
  domain::AddOrderIndicators(named, now, c);
  return absl::OkStatus();
}

}  // namespace casebridge::services
