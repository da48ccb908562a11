#ifndef CASEBRIDGE_SERVICES_CHARGING_SERVICE_H_
#define CASEBRIDGE_SERVICES_CHARGING_SERVICE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "casebridge/v1/charging.grpc.pb.h"
#include "domain/access_policy.h"
#include "domain/resource_names.h"
#include "services/rpc_runner.h"
#include "storage/charging_repository.h"
#include "storage/share_repository.h"
#include "storage/timeline_repository.h"

namespace casebridge::services {

// casebridge.v1.ChargingService: police submit charging files, the CPS area
// of the owning force advises, issues action plans and decides.
//
// Access (domain/access_policy.cc, through AuthorizeCase/AuthorizeWithin):
//   SubmitChargingFile, SubmitFullFile, WithdrawChargingFile
//                                      kSubmitChargingFile (owning force)
//   RespondToActionItem                kRespondToActionPlan (owning force)
//   RecordAdvice, IssueActionPlan, ReviewActionItem, RecordDecision,
//   ReviewThresholdDecision, RecordDecisionFollowUp
//                                      kRecordProsecutionDecision (CPS)
//   GetChargingFile, GetChargingProgress
//                                      kReadCharging
//   ListChargingFiles                  kListChargingFiles ("cases/-"), or
//                                      kReadCharging on the parent case
// A file is about one case and one CPS area. The caller's relationship to a
// file is the owning force's (kOwningForce), or kShared for the file's own
// CPS area while the case is shared with it; to everyone else (partners, a
// force the case is shared with, another CPS area) the file does not exist:
// NOT_FOUND, as for a case they cannot see.
class ChargingServiceImpl final : public v1::ChargingService::Service {
 public:
  explicit ChargingServiceImpl(RpcRunner* runner) : runner_(runner) {}

  grpc::Status SubmitChargingFile(grpc::ServerContext* context,
                                  const v1::SubmitChargingFileRequest* request,
                                  v1::ChargingFile* response) override;
  grpc::Status GetChargingFile(grpc::ServerContext* context,
                               const v1::GetChargingFileRequest* request,
                               v1::ChargingFile* response) override;
  grpc::Status ListChargingFiles(grpc::ServerContext* context,
                                 const v1::ListChargingFilesRequest* request,
                                 v1::ListChargingFilesResponse* response) override;
  grpc::Status GetChargingProgress(grpc::ServerContext* context,
                                   const v1::GetChargingProgressRequest* request,
                                   v1::ChargingProgress* response) override;
  grpc::Status SubmitFullFile(grpc::ServerContext* context,
                              const v1::SubmitFullFileRequest* request,
                              v1::ChargingFile* response) override;
  grpc::Status RespondToActionItem(grpc::ServerContext* context,
                                   const v1::RespondToActionItemRequest* request,
                                   v1::ChargingFile* response) override;
  grpc::Status WithdrawChargingFile(grpc::ServerContext* context,
                                    const v1::WithdrawChargingFileRequest* request,
                                    v1::ChargingFile* response) override;
  grpc::Status RecordAdvice(grpc::ServerContext* context,
                            const v1::RecordAdviceRequest* request,
                            v1::ChargingFile* response) override;
  grpc::Status IssueActionPlan(grpc::ServerContext* context,
                               const v1::IssueActionPlanRequest* request,
                               v1::ChargingFile* response) override;
  grpc::Status ReviewActionItem(grpc::ServerContext* context,
                                const v1::ReviewActionItemRequest* request,
                                v1::ChargingFile* response) override;
  grpc::Status RecordDecision(grpc::ServerContext* context,
                              const v1::RecordDecisionRequest* request,
                              v1::ChargingFile* response) override;
  grpc::Status ReviewThresholdDecision(grpc::ServerContext* context,
                                       const v1::ReviewThresholdDecisionRequest* request,
                                       v1::ChargingFile* response) override;
  grpc::Status RecordDecisionFollowUp(grpc::ServerContext* context,
                                      const v1::RecordDecisionFollowUpRequest* request,
                                      v1::ChargingFile* response) override;

 private:
  // One state change of a file, as every write but SubmitChargingFile makes
  // it: authorize `action` on the file, then check the request (`validate`,
  // then the etag: the file's, or the item's when item_id is set), apply the
  // domain's change, store it, write history and timeline, answer with the
  // stored file. Nothing but the file's name is looked at before the caller
  // is authorized: who may not act is told so (PERMISSION_DENIED, or
  // NOT_FOUND for a file they may not know of), never how to fix a request
  // they may not make.
  struct Change {
    domain::Action action;
    // History event, e.g. "RECORD_ADVICE".
    std::string event = {};
    // For the audit record.
    std::vector<std::string> fields = {};
    std::string item_id = {};
    // The etag as sent (ParseEtag "etag").
    std::string etag = {};
    // The domain's check of the request, for the authorized caller.
    std::function<absl::Status()> validate = {};
    // Refer the case to the file's CPS area again (SubmitFullFile).
    bool refer_to_cps = false;
  };
  absl::Status ApplyChange(CallContext& call, storage::Tx& tx,
                           const domain::CaseChildName& name, const Change& change,
                           absl::FunctionRef<absl::StatusOr<v1::ChargingFile>(
                               const storage::StoredChargingFile&)>
                               apply,
                           absl::FunctionRef<std::string(const v1::ChargingFile& before,
                                                         const v1::ChargingFile& after)>
                               describe,
                           v1::ChargingFile* response);

  RpcRunner* runner_;
  storage::ChargingRepository files_;
  storage::ShareRepository shares_;
  storage::TimelineRepository timeline_;
};

}  // namespace casebridge::services

#endif  // CASEBRIDGE_SERVICES_CHARGING_SERVICE_H_
