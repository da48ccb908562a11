#ifndef CASEBRIDGE_SERVER_CALL_GUARD_H_
#define CASEBRIDGE_SERVER_CALL_GUARD_H_

// Calls that gRPC refuses before any handler runs, made as visible as every
// other call: audited (with the caller when its credential is valid),
// logged, and answered with a status a person can act on.
//  - An unreadable request (truncated, not the method's message, text that
//    is not UTF-8): gRPC answers INTERNAL with no message; the guard makes
//    it INVALID_ARGUMENT naming the expected message.
//  - The thread quota exhausted: RESOURCE_EXHAUSTED, with a message.
//  - A method this server does not have: UNIMPLEMENTED naming it.
// Handlers that ran audit their own calls (services::RpcRunner); the guard
// tells the two apart by whether the request reached the handler.
//
// Health checks and reflection carry no case data and are called by load
// balancers every few seconds: they are not audited.

#include <memory>

#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/support/server_interceptor.h"
#include "services/rpc_runner.h"

namespace casebridge::server {

// Creates a CallGuard for every call to a Casebridge method.
class CallGuardFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallGuardFactory(services::RpcRunner* runner) : runner_(runner) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  services::RpcRunner* runner_;
};

// Answers every method no service serves: UNIMPLEMENTED naming it, audited
// without blocking (a callback reactor must not wait on the log).
class UnknownMethodService : public grpc::CallbackGenericService {
 public:
  explicit UnknownMethodService(services::RpcRunner* runner) : runner_(runner) {}
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override;

 private:
  services::RpcRunner* runner_;
};

}  // namespace casebridge::server

#endif  // CASEBRIDGE_SERVER_CALL_GUARD_H_
