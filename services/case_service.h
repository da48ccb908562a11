#ifndef CASEBRIDGE_SERVICES_CASE_SERVICE_H_
#define CASEBRIDGE_SERVICES_CASE_SERVICE_H_

#include "casebridge/v1/cases.grpc.pb.h"
#include "services/rpc_runner.h"
#include "storage/case_repository.h"
#include "storage/identity_repository.h"
#include "storage/share_repository.h"
#include "storage/timeline_repository.h"

namespace casebridge::services {

// casebridge.v1.CaseService: the shared case record.
class CaseServiceImpl final : public v1::CaseService::Service {
 public:
  explicit CaseServiceImpl(RpcRunner* runner) : runner_(runner) {}

  grpc::Status CreateCase(grpc::ServerContext* context,
                          const v1::CreateCaseRequest* request,
                          v1::Case* response) override;
  grpc::Status GetCase(grpc::ServerContext* context,
                       const v1::GetCaseRequest* request,
                       v1::Case* response) override;
  grpc::Status ListCases(grpc::ServerContext* context,
                         const v1::ListCasesRequest* request,
                         v1::ListCasesResponse* response) override;
  grpc::Status UpdateCase(grpc::ServerContext* context,
                          const v1::UpdateCaseRequest* request,
                          v1::Case* response) override;
  grpc::Status CloseCase(grpc::ServerContext* context,
                         const v1::CloseCaseRequest* request,
                         v1::Case* response) override;
  grpc::Status ReopenCase(grpc::ServerContext* context,
                          const v1::ReopenCaseRequest* request,
                          v1::Case* response) override;
  grpc::Status SetVictimServicesReferral(
      grpc::ServerContext* context,
      const v1::SetVictimServicesReferralRequest* request,
      v1::Case* response) override;
  grpc::Status AddIncident(grpc::ServerContext* context,
                           const v1::AddIncidentRequest* request,
                           v1::Incident* response) override;
  grpc::Status ListIncidents(grpc::ServerContext* context,
                             const v1::ListIncidentsRequest* request,
                             v1::ListIncidentsResponse* response) override;
  grpc::Status UpdateIncident(grpc::ServerContext* context,
                              const v1::UpdateIncidentRequest* request,
                              v1::Incident* response) override;
  grpc::Status RecordRiskAssessment(
      grpc::ServerContext* context,
      const v1::RecordRiskAssessmentRequest* request,
      v1::RiskAssessment* response) override;
  grpc::Status ListRiskAssessments(
      grpc::ServerContext* context,
      const v1::ListRiskAssessmentsRequest* request,
      v1::ListRiskAssessmentsResponse* response) override;
  grpc::Status FlagCase(grpc::ServerContext* context,
                        const v1::FlagCaseRequest* request,
                        v1::CaseFlag* response) override;
  grpc::Status UnflagCase(grpc::ServerContext* context,
                          const v1::UnflagCaseRequest* request,
                          v1::CaseFlag* response) override;
  grpc::Status GetCaseTimeline(grpc::ServerContext* context,
                               const v1::GetCaseTimelineRequest* request,
                               v1::GetCaseTimelineResponse* response) override;

 private:
  RpcRunner* runner_;
  storage::CaseRepository cases_;
  storage::IdentityRepository identities_;
  storage::ShareRepository shares_;
  storage::TimelineRepository timeline_;
};

// The case as `view` may see it, with its derived pattern. Every response
// carrying a case is built here.
absl::StatusOr<v1::Case> LoadCaseForView(storage::Tx& tx,
                                         absl::string_view case_id,
                                         v1::CaseView view, absl::Time now);

}  // namespace casebridge::services

#endif  // CASEBRIDGE_SERVICES_CASE_SERVICE_H_
