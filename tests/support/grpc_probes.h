#ifndef CASEBRIDGE_TESTS_SUPPORT_GRPC_PROBES_H_
#define CASEBRIDGE_TESTS_SUPPORT_GRPC_PROBES_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"

namespace casebridge::test_support {

// grpc.health.v1.Health/Check through a generic stub with hand-encoded
// messages (Debian ships no generated health proto): HealthCheckRequest is
// `string service = 1`, the response `ServingStatus status = 1`.
// Returns the status number: 0 UNKNOWN, 1 SERVING, 2 NOT_SERVING, 3
// SERVICE_UNKNOWN; or the call's error.
constexpr int kServing = 1;
constexpr int kNotServing = 2;
absl::StatusOr<int> CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                                const std::string& service = "");

// grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo, one
// list_services request: the full names of the services the server offers.
absl::StatusOr<std::vector<std::string>> ReflectedServices(
    const std::shared_ptr<grpc::Channel>& channel);

// The same stream, file_containing_symbol: the serialized
// FileDescriptorProtos the server returns for `symbol`.
absl::StatusOr<std::vector<std::string>> ReflectedFilesContaining(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& symbol);

}  // namespace casebridge::test_support

#endif  // CASEBRIDGE_TESTS_SUPPORT_GRPC_PROBES_H_
