#ifndef CASEBRIDGE_SERVICES_ADMIN_SERVICE_H_
#define CASEBRIDGE_SERVICES_ADMIN_SERVICE_H_

#include "casebridge/v1/admin.grpc.pb.h"
#include "services/rpc_runner.h"
#include "storage/identity_repository.h"

namespace casebridge::services {

// casebridge.v1.AdminService: agencies, users and credentials. Never case
// content. Who may do what is the policy table's (domain/access_policy.h)
// and the rules of administration's (domain/user_administration.h).
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
  grpc::Status GetUser(grpc::ServerContext* context, const v1::GetUserRequest* request,
                       v1::User* response) override;
  grpc::Status ListUsers(grpc::ServerContext* context,
                         const v1::ListUsersRequest* request,
                         v1::ListUsersResponse* response) override;
  grpc::Status DisableUser(grpc::ServerContext* context,
                           const v1::DisableUserRequest* request,
                           v1::User* response) override;
  grpc::Status EnableUser(grpc::ServerContext* context,
                          const v1::EnableUserRequest* request,
                          v1::User* response) override;
  grpc::Status SetUserRoles(grpc::ServerContext* context,
                            const v1::SetUserRolesRequest* request,
                            v1::User* response) override;
  grpc::Status MoveUser(grpc::ServerContext* context, const v1::MoveUserRequest* request,
                        v1::User* response) override;
  grpc::Status CreateEnrolmentCode(grpc::ServerContext* context,
                                   const v1::CreateEnrolmentCodeRequest* request,
                                   v1::EnrolmentCode* response) override;
  grpc::Status RedeemEnrolmentCode(grpc::ServerContext* context,
                                   const v1::RedeemEnrolmentCodeRequest* request,
                                   v1::IssueTokenResponse* response) override;
  grpc::Status IssueToken(grpc::ServerContext* context,
                          const v1::IssueTokenRequest* request,
                          v1::IssueTokenResponse* response) override;
  grpc::Status ListTokens(grpc::ServerContext* context,
                          const v1::ListTokensRequest* request,
                          v1::ListTokensResponse* response) override;
  grpc::Status RevokeToken(grpc::ServerContext* context,
                           const v1::RevokeTokenRequest* request,
                           v1::Token* response) override;
  grpc::Status GetCurrentUser(grpc::ServerContext* context,
                              const v1::GetCurrentUserRequest* request,
                              v1::User* response) override;

 private:
  // In one write: reads the user named `name` (locked), checks the caller
  // manages it (domain::AuthorizeAccountManagement), then runs `change`;
  // sign-ins on this server see the change at once.
  absl::Status ChangeManagedUser(
      CallContext& call, absl::string_view name,
      absl::FunctionRef<absl::Status(storage::Tx&, const v1::User&)> change);

  RpcRunner* runner_;
  storage::IdentityRepository identities_;
};

}  // namespace casebridge::services

#endif  // CASEBRIDGE_SERVICES_ADMIN_SERVICE_H_
