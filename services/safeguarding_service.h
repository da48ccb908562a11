#ifndef CASEBRIDGE_SERVICES_SAFEGUARDING_SERVICE_H_
#define CASEBRIDGE_SERVICES_SAFEGUARDING_SERVICE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "casebridge/v1/safeguarding.grpc.pb.h"
#include "domain/resource_names.h"
#include "domain/safeguarding_actions.h"
#include "services/case_access.h"
#include "services/rpc_runner.h"
#include "storage/identity_repository.h"
#include "storage/safeguarding_repository.h"
#include "storage/share_repository.h"
#include "storage/timeline_repository.h"

namespace casebridge::services {

// casebridge.v1.SafeguardingService: the work each agency takes on to keep
// a victim safe, assigned by the police (or a partner, for itself), shared
// with the assigned agency while the police's work for it is open, and
// worked through to completion.
class SafeguardingServiceImpl final : public v1::SafeguardingService::Service {
 public:
  explicit SafeguardingServiceImpl(RpcRunner* runner) : runner_(runner) {}

  grpc::Status CreateSafeguardingAction(
      grpc::ServerContext* context, const v1::CreateSafeguardingActionRequest* request,
      v1::SafeguardingAction* response) override;
  grpc::Status GetSafeguardingAction(grpc::ServerContext* context,
                                     const v1::GetSafeguardingActionRequest* request,
                                     v1::SafeguardingAction* response) override;
  grpc::Status ListSafeguardingActions(
      grpc::ServerContext* context, const v1::ListSafeguardingActionsRequest* request,
      v1::ListSafeguardingActionsResponse* response) override;
  grpc::Status UpdateSafeguardingAction(
      grpc::ServerContext* context, const v1::UpdateSafeguardingActionRequest* request,
      v1::SafeguardingAction* response) override;
  grpc::Status CompleteSafeguardingAction(
      grpc::ServerContext* context, const v1::CompleteSafeguardingActionRequest* request,
      v1::SafeguardingAction* response) override;
  grpc::Status CancelSafeguardingAction(
      grpc::ServerContext* context, const v1::CancelSafeguardingActionRequest* request,
      v1::SafeguardingAction* response) override;
  grpc::Status GetSafeguardingActionHistory(
      grpc::ServerContext* context,
      const v1::GetSafeguardingActionHistoryRequest* request,
      v1::GetSafeguardingActionHistoryResponse* response) override;
  grpc::Status ReferToMarac(grpc::ServerContext* context,
                            const v1::ReferToMaracRequest* request,
                            v1::ReferToMaracResponse* response) override;
  grpc::Status ListMyWork(grpc::ServerContext* context,
                          const v1::ListMyWorkRequest* request,
                          v1::ListMyWorkResponse* response) override;

 private:
  // Stores a new action of the case (from domain::NewSafeguardingAction or a
  // MARAC plan): the row and its history, the share with the assigned
  // agency, the timeline entries.
  absl::StatusOr<storage::SafeguardingActionRow> StoreNewAction(
      CallContext& call, storage::Tx& tx, const CaseScope& scope, absl::string_view id,
      const domain::SafeguardingChange& change, absl::string_view marac_referral_id,
      absl::string_view user_field);

  // Complete and cancel: a name, a text and the etag, then one domain
  // change of the action.
  template <typename Request>
  absl::Status CloseAction(
      CallContext& call, const Request& request,
      absl::StatusOr<domain::CaseChildName> (*validate)(const Request&),
      absl::StatusOr<domain::SafeguardingChange> (*apply)(
          const v1::SafeguardingAction&, const Request&,
          const domain::SafeguardingContext&),
      v1::SafeguardingAction* response);

  // After `closed` was completed or cancelled, under the case's lock: ends
  // the SAFEGUARDING_ACTION share of its agency once the agency has no
  // active work on the case that another agency gave it (the owning force
  // never has such a share). Records the withdrawal on the timeline.
  absl::Status EndShareWithoutWork(CallContext& call, storage::Tx& tx,
                                   const storage::SafeguardingActionRow& closed);

  RpcRunner* runner_;
  storage::SafeguardingRepository actions_;
  storage::IdentityRepository identities_;
  storage::ShareRepository shares_;
  storage::TimelineRepository timeline_;
};

// The victim opted out of victim services (CaseService.SetVictimServicesReferral,
// inside its transaction, after the case records the opt-out): cancels every
// active action of the case assigned to a victim-service agency, each with
// the reason recorded, a history entry and a timeline entry. Actions of
// other agencies stand: they are safety work the opt-out does not stop.
// Returns the names of the actions cancelled.
absl::StatusOr<std::vector<std::string>> CancelVictimServiceActionsOnOptOut(
    const CallContext& call, storage::Tx& tx, const CaseScope& scope,
    absl::string_view opt_out_reason);

}  // namespace casebridge::services

#endif  // CASEBRIDGE_SERVICES_SAFEGUARDING_SERVICE_H_
