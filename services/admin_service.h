#ifndef CASEBRIDGE_SERVICES_ADMIN_SERVICE_H_
#define CASEBRIDGE_SERVICES_ADMIN_SERVICE_H_

#include "casebridge/v1/admin.grpc.pb.h"
#include "services/rpc_runner.h"
#include "storage/identity_repository.h"

namespace casebridge::services {

// casebridge.v1.AdminService: agencies, users and tokens. Never case content.
class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  explicit AdminServiceImpl(RpcRunner* runner) : runner_(runner) {}

  grpc::Status CreateAgency(grpc::ServerContext* context,
                            const v1::CreateAgencyRequest* request,
                            v1::Agency* response) override;
  grpc::Status ListAgencies(grpc::ServerContext* context,
                            const v1::ListAgenciesRequest* request,
                            v1::ListAgenciesResponse* response) override;
  grpc::Status CreateUser(grpc::ServerContext* context,
                          const v1::CreateUserRequest* request,
                          v1::User* response) override;
  grpc::Status ListUsers(grpc::ServerContext* context,
                         const v1::ListUsersRequest* request,
                         v1::ListUsersResponse* response) override;
  grpc::Status DisableUser(grpc::ServerContext* context,
                           const v1::DisableUserRequest* request,
                           v1::User* response) override;
  grpc::Status IssueToken(grpc::ServerContext* context,
                          const v1::IssueTokenRequest* request,
                          v1::IssueTokenResponse* response) override;
  grpc::Status RevokeToken(grpc::ServerContext* context,
                           const v1::RevokeTokenRequest* request,
                           v1::Token* response) override;
  grpc::Status GetCurrentUser(grpc::ServerContext* context,
                              const v1::GetCurrentUserRequest* request,
                              v1::User* response) override;

 private:
  RpcRunner* runner_;
  storage::IdentityRepository identities_;
};

// Input checks shared with the provisioning commands (bootstrap, demo seed).
absl::Status ValidateAgency(const v1::Agency& agency);
absl::Status ValidateUser(const v1::User& user, v1::AgencyKind agency_kind);

}  // namespace casebridge::services

#endif  // CASEBRIDGE_SERVICES_ADMIN_SERVICE_H_
