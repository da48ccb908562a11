#ifndef CASEBRIDGE_SERVICES_ECHO_SERVICE_H_
#define CASEBRIDGE_SERVICES_ECHO_SERVICE_H_

#include "casebridge/v1/echo.grpc.pb.h"

namespace casebridge::services {

// The benchmarks' baseline: the same server and gRPC stack with nothing
// behind it. Deliberately not audited or authenticated; it carries no data.
// Registered only when the server runs with --enable_echo.
class EchoServiceImpl final : public v1::EchoService::Service {
 public:
  grpc::Status Echo(grpc::ServerContext* context, const v1::EchoRequest* request,
                    v1::EchoResponse* response) override {
    response->set_message(request->message());
    return grpc::Status::OK;
  }
};

}  // namespace casebridge::services

#endif  // CASEBRIDGE_SERVICES_ECHO_SERVICE_H_
