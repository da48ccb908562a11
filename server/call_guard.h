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

#include <deque>
#include <memory>
#include <thread>

#include "absl/synchronization/mutex.h"

#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/support/server_interceptor.h"
#include "services/rpc_runner.h"

namespace casebridge::server {

// Creates a CallGuard for every call to a Casebridge method.
//
// Request size: gRPC itself discards a message over its receive limit before
// any application code sees the call, so nothing could audit it. The server
// therefore gives gRPC a limit four times `max_request_bytes` and the guard
// enforces `max_request_bytes`: a request between the two is refused
// RESOURCE_EXHAUSTED by the handler's runner and audited with its caller.
// Beyond four times, gRPC's own refusal stands (docs/OPERATIONS.md).
class CallGuardFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  CallGuardFactory(services::RpcRunner* runner, size_t max_request_bytes)
      : runner_(runner), max_request_bytes_(max_request_bytes) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  services::RpcRunner* runner_;
  size_t max_request_bytes_;
};

// Answers every method no service serves: UNIMPLEMENTED naming it, audited
// with the caller when its credential is valid. A callback reactor must not
// wait on the database, so one thread of this service does the checking and
// the auditing and then finishes the call; when more than kMaxWaiting calls
// wait for it (a flood), the rest are answered at once and counted in the
// log's summary of refusals without their caller.
class UnknownMethodService : public grpc::CallbackGenericService {
 public:
  static constexpr size_t kMaxWaiting = 256;

  explicit UnknownMethodService(services::RpcRunner* runner);
  // Stop() first.
  ~UnknownMethodService() override;

  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override;

  // Answers what is waiting and stops the thread (after the server has
  // stopped taking calls).
  void Stop();

 private:
  struct Waiting {
    grpc::ServerGenericBidiReactor* reactor;
    grpc::GenericCallbackServerContext* context;
  };
  void Loop();

  services::RpcRunner* runner_;
  absl::Mutex mu_;
  std::deque<Waiting> waiting_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace casebridge::server

#endif  // CASEBRIDGE_SERVER_CALL_GUARD_H_
