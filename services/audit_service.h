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
  grpc::Status GetAuditTreeHead(grpc::ServerContext* context,
                                const v1::GetAuditTreeHeadRequest* request,
                                v1::AuditTreeHead* response) override;
  grpc::Status ProveAuditEvent(grpc::ServerContext* context,
                               const v1::ProveAuditEventRequest* request,
                               v1::AuditEventProof* response) override;
  grpc::Status GetAuditConsistencyProof(grpc::ServerContext* context,
                                        const v1::GetAuditConsistencyProofRequest* request,
                                        v1::AuditConsistencyProof* response) override;
  grpc::Status ListAuditSigningKeys(grpc::ServerContext* context,
                                    const v1::ListAuditSigningKeysRequest* request,
                                    v1::ListAuditSigningKeysResponse* response) override;

 private:
  RpcRunner* runner_;
  storage::AuditRepository audit_;
};

}  // namespace casebridge::services

#endif  // CASEBRIDGE_SERVICES_AUDIT_SERVICE_H_
