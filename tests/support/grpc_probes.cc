#include "tests/support/grpc_probes.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "google/protobuf/unknown_field_set.h"
#include "grpcpp/generic/generic_stub.h"

namespace casebridge::test_support {
namespace {

using google::protobuf::UnknownField;
using google::protobuf::UnknownFieldSet;

constexpr auto kTimeout = std::chrono::seconds(10);

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string FromBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

absl::Status FromGrpc(const grpc::Status& s) {
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

// Waits for the completion of `tag` on `cq` (one operation in flight).
bool Await(grpc::CompletionQueue& cq, void* tag) {
  void* got = nullptr;
  bool ok = false;
  if (!cq.Next(&got, &ok)) return false;
  return ok && got == tag;
}

void Drain(grpc::CompletionQueue& cq) {
  cq.Shutdown();
  void* tag;
  bool ok;
  while (cq.Next(&tag, &ok)) {
  }
}

// Every length-delimited value of field `number`.
std::vector<std::string> Strings(const UnknownFieldSet& set, int number) {
  std::vector<std::string> out;
  for (int i = 0; i < set.field_count(); ++i) {
    const UnknownField& f = set.field(i);
    if (f.number() == number && f.type() == UnknownField::TYPE_LENGTH_DELIMITED) {
      out.push_back(f.length_delimited());
    }
  }
  return out;
}

// One request on a ServerReflectionInfo stream, setting field
// `request_field` of ServerReflectionRequest to `value`; the values of field
// `response_field` of the ServerReflectionResponse.
absl::StatusOr<std::vector<std::string>> ReflectionCall(
    const std::shared_ptr<grpc::Channel>& channel, int request_field,
    const std::string& value, int response_field) {
  UnknownFieldSet request_fields;
  request_fields.AddLengthDelimited(request_field, value);
  std::string request;
  request_fields.SerializeToString(&request);
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kTimeout);
  grpc::CompletionQueue cq;
  auto call = stub.PrepareCall(
      &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  int tag = 0;
  grpc::ByteBuffer response;
  bool read = false;
  call->StartCall(&tag);
  if (Await(cq, &tag)) {
    call->Write(ToBuffer(request), &tag);
    if (Await(cq, &tag)) {
      call->WritesDone(&tag);
      if (Await(cq, &tag)) {
        call->Read(&response, &tag);
        read = Await(cq, &tag);
      }
    }
  }
  grpc::Status status;
  call->Finish(&status, &tag);
  Await(cq, &tag);
  Drain(cq);
  if (!status.ok()) return FromGrpc(status);
  if (!read) return absl::UnavailableError("no reflection response");
  UnknownFieldSet fields;
  if (!fields.ParseFromString(FromBuffer(response))) {
    return absl::InternalError("unparseable reflection response");
  }
  std::vector<std::string> error = Strings(fields, 7);  // error_response
  if (!error.empty()) {
    UnknownFieldSet e;
    e.ParseFromString(error[0]);
    std::vector<std::string> message = Strings(e, 2);
    return absl::NotFoundError(message.empty() ? "reflection error" : message[0]);
  }
  return Strings(fields, response_field);
}

}  // namespace

absl::StatusOr<int> CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                                const std::string& service) {
  UnknownFieldSet request;
  if (!service.empty()) request.AddLengthDelimited(1, service);
  std::string bytes;
  request.SerializeToString(&bytes);

  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kTimeout);
  grpc::CompletionQueue cq;
  auto call = stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check",
                                    ToBuffer(bytes), &cq);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  int tag = 0;
  call->Finish(&response, &status, &tag);
  void* got = nullptr;
  bool ok = false;
  cq.Next(&got, &ok);
  Drain(cq);
  if (!status.ok()) return FromGrpc(status);

  UnknownFieldSet fields;
  if (!fields.ParseFromString(FromBuffer(response))) {
    return absl::InternalError("unparseable HealthCheckResponse");
  }
  int result = 0;  // proto3 leaves out UNKNOWN (0)
  for (int i = 0; i < fields.field_count(); ++i) {
    const UnknownField& f = fields.field(i);
    if (f.number() == 1 && f.type() == UnknownField::TYPE_VARINT) {
      result = static_cast<int>(f.varint());
    }
  }
  return result;
}

absl::StatusOr<std::vector<std::string>> ReflectedServices(
    const std::shared_ptr<grpc::Channel>& channel) {
  // list_services (7) -> list_services_response (6): repeated
  // ServiceResponse service = 1, each with string name = 1.
  absl::StatusOr<std::vector<std::string>> lists = ReflectionCall(channel, 7, "", 6);
  if (!lists.ok()) return lists.status();
  std::vector<std::string> names;
  for (const std::string& list : *lists) {
    UnknownFieldSet services;
    services.ParseFromString(list);
    for (const std::string& service : Strings(services, 1)) {
      UnknownFieldSet s;
      s.ParseFromString(service);
      for (const std::string& name : Strings(s, 1)) names.push_back(name);
    }
  }
  return names;
}

absl::StatusOr<std::vector<std::string>> ReflectedFilesContaining(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& symbol) {
  // file_containing_symbol (4) -> file_descriptor_response (4): repeated
  // bytes file_descriptor_proto = 1.
  absl::StatusOr<std::vector<std::string>> responses =
      ReflectionCall(channel, 4, symbol, 4);
  if (!responses.ok()) return responses.status();
  std::vector<std::string> files;
  for (const std::string& r : *responses) {
    UnknownFieldSet fd;
    fd.ParseFromString(r);
    for (const std::string& file : Strings(fd, 1)) files.push_back(file);
  }
  return files;
}

}  // namespace casebridge::test_support
