#ifndef CASEBRIDGE_SERVICES_AUDIT_SERVICE_H_
#define CASEBRIDGE_SERVICES_AUDIT_SERVICE_H_

#include "casebridge/v1/audit.grpc.pb.h"
#include "services/rpc_runner.h"
#include "storage/audit_repository.h"

namespace casebridge::services {

// casebridge.v1.AuditService: reading and verifying the audit log.
class AuditServiceImpl final : public v1::AuditService::Service {
 public:
  explicit AuditServiceImpl(RpcRunner* runner) : runner_(runner) {}

  grpc::Status ListAuditEvents(grpc::ServerContext* context,
                               const v1::ListAuditEventsRequest* request,
                               v1::ListAuditEventsResponse* response) override;
  grpc::Status ListCaseAccess(grpc::ServerContext* context,
                              const v1::ListCaseAccessRequest* request,
                              v1::ListCaseAccessResponse* response) override;
  grpc::Status VerifyAuditLog(grpc::ServerContext* context,
                              const v1::VerifyAuditLogRequest* request,
                              v1::VerifyAuditLogResponse* response) override;
  grpc::Status GetAuditCheckpoint(grpc::ServerContext* context,
                                  const v1::GetAuditCheckpointRequest* request,
                                  v1::AuditCheckpoint* response) override;

 private:
  RpcRunner* runner_;
  storage::AuditRepository audit_;
};

}  // namespace casebridge::services

#endif  // CASEBRIDGE_SERVICES_AUDIT_SERVICE_H_
