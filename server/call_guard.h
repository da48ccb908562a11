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
#include <thread>

#include "grpcpp/server_builder.h"

#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/support/server_interceptor.h"
#include "services/rpc_runner.h"

namespace casebridge::server {

// The receive limit given to gRPC: four times the server's own, and at
// least 16 MiB.
int64_t TransportRequestLimit(int64_t max_request_bytes);

// Creates a CallGuard for every call to a Casebridge method.
//
// Request size: gRPC itself discards a message over its receive limit before
// any application code sees the call, so nothing could audit it. The server
// therefore gives gRPC a larger limit (TransportRequestLimit) and the guard
// enforces `max_request_bytes`: a request between the two is refused
// RESOURCE_EXHAUSTED by the handler's runner and audited with its caller.
// Beyond the larger one, gRPC's own refusal stands, unaudited: it bounds the
// memory one message can take (docs/OPERATIONS.md).
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
// with the caller when its credential is valid. It is gRPC's asynchronous
// generic service on a completion queue of its own, served by one thread:
// a callback generic service made gRPC's synchronous handlers answer an
// idle caller tens of milliseconds late (bench/RESULTS.md), this does not.
class UnknownMethodService {
 public:
  // Registers the generic service and its queue with `builder`; Start()
  // once the server is built.
  UnknownMethodService(services::RpcRunner* runner, grpc::ServerBuilder& builder);
  ~UnknownMethodService();  // Stop() first

  void Start();
  // After the server has shut down: drains the queue and joins the thread.
  void Stop();

 private:
  struct Call;
  void RequestNext();
  void Loop();

  services::RpcRunner* runner_;
  grpc::AsyncGenericService service_;
  std::unique_ptr<grpc::ServerCompletionQueue> queue_;
  std::thread thread_;
};

}  // namespace casebridge::server

#endif  // CASEBRIDGE_SERVER_CALL_GUARD_H_
