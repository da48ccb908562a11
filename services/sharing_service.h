#ifndef CASEBRIDGE_SERVICES_SHARING_SERVICE_H_
#define CASEBRIDGE_SERVICES_SHARING_SERVICE_H_

#include "casebridge/v1/sharing.grpc.pb.h"
#include "services/rpc_runner.h"
#include "storage/case_repository.h"
#include "storage/identity_repository.h"
#include "storage/share_repository.h"
#include "storage/timeline_repository.h"

namespace casebridge::services {

// casebridge.v1.SharingService: police share a case with other agencies,
// recording purpose and lawful basis, and withdraw shares.
class SharingServiceImpl final : public v1::SharingService::Service {
 public:
  explicit SharingServiceImpl(RpcRunner* runner) : runner_(runner) {}

  grpc::Status ShareCase(grpc::ServerContext* context,
                         const v1::ShareCaseRequest* request,
                         v1::CaseShare* response) override;
  grpc::Status UnshareCase(grpc::ServerContext* context,
                           const v1::UnshareCaseRequest* request,
                           v1::CaseShare* response) override;
  grpc::Status ListCaseShares(grpc::ServerContext* context,
                              const v1::ListCaseSharesRequest* request,
                              v1::ListCaseSharesResponse* response) override;

 private:
  RpcRunner* runner_;
  storage::CaseRepository cases_;
  storage::IdentityRepository identities_;
  storage::ShareRepository shares_;
  storage::TimelineRepository timeline_;
};

}  // namespace casebridge::services

#endif  // CASEBRIDGE_SERVICES_SHARING_SERVICE_H_
