#ifndef CASEBRIDGE_SERVICES_PROTECTION_ORDER_SERVICE_H_
#define CASEBRIDGE_SERVICES_PROTECTION_ORDER_SERVICE_H_

#include <functional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "casebridge/v1/cases.pb.h"
#include "casebridge/v1/protection_orders.grpc.pb.h"
#include "domain/protection_order_types.h"
#include "domain/resource_names.h"
#include "services/case_access.h"
#include "services/rpc_runner.h"
#include "storage/case_repository.h"
#include "storage/identity_repository.h"
#include "storage/protection_order_repository.h"
#include "storage/timeline_repository.h"

namespace casebridge::services {

// casebridge.v1.ProtectionOrderService: Stalking Protection Orders, from the
// police's first consideration to the order's end. Police of the owning
// force record everything; the CPS reads the prosecution view; partners read
// only orders in force (domain::OrderVisibleInView), and of them only the
// terms: the visibility table (domain/visibility.cc) applied to every
// response by the runner.
class ProtectionOrderServiceImpl final
    : public v1::ProtectionOrderService::Service {
 public:
  explicit ProtectionOrderServiceImpl(RpcRunner* runner) : runner_(runner) {}

  grpc::Status CreateProtectionOrder(
      grpc::ServerContext* context,
      const v1::CreateProtectionOrderRequest* request,
      v1::ProtectionOrder* response) override;
  grpc::Status GetProtectionOrder(grpc::ServerContext* context,
                                  const v1::GetProtectionOrderRequest* request,
                                  v1::ProtectionOrder* response) override;
  grpc::Status ListProtectionOrders(
      grpc::ServerContext* context,
      const v1::ListProtectionOrdersRequest* request,
      v1::ListProtectionOrdersResponse* response) override;
  grpc::Status UpdateProtectionOrder(
      grpc::ServerContext* context,
      const v1::UpdateProtectionOrderRequest* request,
      v1::ProtectionOrder* response) override;
  grpc::Status RecordOrderNotPursued(
      grpc::ServerContext* context,
      const v1::RecordOrderNotPursuedRequest* request,
      v1::ProtectionOrder* response) override;
  grpc::Status ApplyForOrder(grpc::ServerContext* context,
                             const v1::ApplyForOrderRequest* request,
                             v1::ProtectionOrder* response) override;
  grpc::Status RecordHearing(grpc::ServerContext* context,
                             const v1::RecordHearingRequest* request,
                             v1::ProtectionOrder* response) override;
  grpc::Status RecordCourtDecision(
      grpc::ServerContext* context,
      const v1::RecordCourtDecisionRequest* request,
      v1::ProtectionOrder* response) override;
  grpc::Status RecordService(grpc::ServerContext* context,
                             const v1::RecordServiceRequest* request,
                             v1::ProtectionOrder* response) override;
  grpc::Status RecordNotification(grpc::ServerContext* context,
                                  const v1::RecordNotificationRequest* request,
                                  v1::ProtectionOrder* response) override;
  grpc::Status RecordDetailsChange(
      grpc::ServerContext* context,
      const v1::RecordDetailsChangeRequest* request,
      v1::ProtectionOrder* response) override;
  grpc::Status ApplyForVariation(grpc::ServerContext* context,
                                 const v1::ApplyForVariationRequest* request,
                                 v1::ProtectionOrder* response) override;
  grpc::Status ApplyForRenewal(grpc::ServerContext* context,
                               const v1::ApplyForRenewalRequest* request,
                               v1::ProtectionOrder* response) override;
  grpc::Status ApplyForDischarge(grpc::ServerContext* context,
                                 const v1::ApplyForDischargeRequest* request,
                                 v1::ProtectionOrder* response) override;
  grpc::Status RecordApplicationDecision(
      grpc::ServerContext* context,
      const v1::RecordApplicationDecisionRequest* request,
      v1::ProtectionOrder* response) override;
  grpc::Status RecordAppeal(grpc::ServerContext* context,
                            const v1::RecordAppealRequest* request,
                            v1::ProtectionOrder* response) override;
  grpc::Status RecordAppealDecision(
      grpc::ServerContext* context,
      const v1::RecordAppealDecisionRequest* request,
      v1::ProtectionOrder* response) override;
  grpc::Status RecordBreach(grpc::ServerContext* context,
                            const v1::RecordBreachRequest* request,
                            v1::RecordBreachResponse* response) override;
  grpc::Status GetOrderHistory(grpc::ServerContext* context,
                               const v1::GetOrderHistoryRequest* request,
                               v1::GetOrderHistoryResponse* response) override;
  grpc::Status GetOrderMeasures(grpc::ServerContext* context,
                                const v1::GetOrderMeasuresRequest* request,
                                v1::OrderMeasures* response) override;

 private:
  // Turns the order (as loaded, with its linked facts) into the event to
  // apply. Most events come from the request alone; some depend on the order
  // (which application is pending) or the case (the breach's incident).
  using EventMaker = std::function<absl::StatusOr<domain::OrderEventInput>(
      storage::Tx&, const CaseScope&, const domain::OrderFacts&)>;

  // Runs after the lifecycle has decided and before anything is stored:
  // what else the event does in the same transaction (RecordBreach: the
  // charging referral), and may complete the new facts.
  using BeforeStore = std::function<absl::Status(storage::Tx&, const CaseScope&,
                                                 domain::OrderTransition&)>;

  struct EventResult {
    CaseScope scope;
    domain::OrderTransition transition;
    v1::ProtectionOrder order;  // as stored after the event, in scope.view
  };

  // What the caller sent besides the order's name. None of it is looked at
  // before the caller is authorized: who may not act on the case's orders
  // is told so (PERMISSION_DENIED, or NOT_FOUND for a case they may not
  // see), never how to fix a request they may not make.
  struct Sent {
    // The etag, and the field it came in ("etag", "protection_order.etag").
    absl::string_view etag;
    absl::string_view etag_field = "etag";
    // Checks the rest of the request (keeping what `make` needs), after the
    // etag; unset when there is nothing else to check.
    std::function<absl::Status()> check = {};
  };
  // One event on one order, inside the call's write transaction: authorize,
  // check what was sent, lock the case's orders, check the etag, apply the
  // lifecycle, store the order and any interim orders it supersedes, keep
  // the case's active-order columns right, append history and timeline,
  // record the audit change.
  absl::StatusOr<EventResult> ApplyEvent(CallContext& call, storage::Tx& tx,
                                         const domain::CaseChildName& name,
                                         const Sent& sent, const EventMaker& make,
                                         const BeforeStore& before_store = {});
  // A custom method whose event comes from the request alone.
  grpc::Status RunEvent(
      grpc::ServerContext* context, absl::string_view method,
      const google::protobuf::Message& request,
      absl::string_view name, absl::string_view etag,
      const std::function<
          absl::StatusOr<domain::OrderEventInput>(const CallContext&)>& parse,
      v1::ProtectionOrder* response);
  // RunEvent for a request parsed by `parse(request, now)`.
  template <typename Request>
  grpc::Status RunParsedEvent(grpc::ServerContext* context,
                              absl::string_view method, const Request& request,
                              absl::StatusOr<domain::OrderEventInput> (*parse)(
                                  const Request&, absl::Time),
                              v1::ProtectionOrder* response);

  RpcRunner* runner_;
  storage::ProtectionOrderRepository orders_;
  storage::CaseRepository cases_;
  storage::IdentityRepository identities_;
  storage::TimelineRepository timeline_;
};

// For LoadCaseForView (case_service.cc): the derived flag and recommendation
// of every order of the case whose notification is overdue at `now`
// (domain::AddOrderIndicators). The view's redaction comes after.
absl::Status AddProtectionOrderIndicators(storage::Tx& tx,
                                          absl::string_view case_id,
                                          absl::Time now, v1::Case* c);

}  // namespace casebridge::services

#endif  // CASEBRIDGE_SERVICES_PROTECTION_ORDER_SERVICE_H_
