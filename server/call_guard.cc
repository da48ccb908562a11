#include "server/call_guard.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/generic/async_generic_service.h"

namespace casebridge::server {
namespace {

using grpc::experimental::InterceptionHookPoints;

// "/casebridge.v1.CaseService/GetCase" -> its request message's full name,
// or "" for a method the API does not declare.
std::string RequestTypeOf(absl::string_view method) {
  std::string dotted(absl::StripPrefix(method, "/"));
  size_t slash = dotted.rfind('/');
  if (slash == std::string::npos) return "";
  dotted[slash] = '.';
  const google::protobuf::MethodDescriptor* m =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(dotted);
  return m == nullptr ? "" : m->input_type()->full_name();
}

// What the caller gets for gRPC's own refusal, and whether the credential
// may be looked up (not under load: then only cached credentials name the
// caller).
struct Answer {
  absl::Status status;
  bool may_look_up_credential = true;
};

Answer AnswerFor(const grpc::Status& refusal, absl::string_view method) {
  switch (refusal.error_code()) {
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::INVALID_ARGUMENT: {
      // Deserialisation is the only thing that fails before the handler
      // with INTERNAL (grpcpp's proto_utils.h); its message is empty for
      // proto3.
      std::string type = RequestTypeOf(method);
      return {absl::InvalidArgumentError(absl::StrCat(
          "the request body could not be read as ", type.empty() ? "the request" : type,
          ": it is truncated, is not that message, or holds text that is not "
          "valid UTF-8; nothing was done"))};
    }
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return {absl::ResourceExhaustedError(
                  refusal.error_message().empty()
                      ? "the server has as many calls in progress as it can take; "
                        "try again shortly"
                      : refusal.error_message()),
              /*may_look_up_credential=*/false};
    default:
      return {absl::Status(static_cast<absl::StatusCode>(refusal.error_code()),
                           refusal.error_message())};
  }
}

class CallGuard : public grpc::experimental::Interceptor {
 public:
  CallGuard(services::RpcRunner* runner, grpc::experimental::ServerRpcInfo* info,
            size_t max_request_bytes)
      : runner_(runner), info_(info), max_request_bytes_(max_request_bytes) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    std::multimap<grpc::string_ref, grpc::string_ref>* metadata = nullptr;
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      // The mark is the server's own: a client cannot send it.
      metadata = methods->GetRecvInitialMetadata();
      metadata->erase(services::kRequestTooLargeMark);
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_MESSAGE)) {
      // Null: the body could not be read (or the call was refused before
      // reading it); the handler will not run.
      const void* message = methods->GetRecvMessage();
      received_ = message != nullptr;
      // Every request of the API is a protobuf message whose one base,
      // google::protobuf::Message, sits at its start.
      if (received_ && metadata != nullptr &&
          static_cast<const google::protobuf::Message*>(message)->ByteSizeLong() >
              max_request_bytes_) {
        // The handler's runner refuses it, audited like any call.
        metadata->emplace(services::kRequestTooLargeMark, grpc::string_ref("1"));
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS) &&
        !received_) {
      const grpc::Status refusal = methods->GetSendStatus();
      if (!refusal.ok()) {
        Answer answer = AnswerFor(refusal, info_->method());
        methods->ModifySendStatus(runner_->RefuseBeforeHandler(
            *info_->server_context(), info_->method(), answer.status,
            answer.may_look_up_credential, /*may_block=*/true));
      }
    }
    methods->Proceed();
  }

 private:
  services::RpcRunner* runner_;
  grpc::experimental::ServerRpcInfo* info_;
  const size_t max_request_bytes_;
  bool received_ = false;
};

}  // namespace

int64_t TransportRequestLimit(int64_t max_request_bytes) {
  return std::min<int64_t>(std::max<int64_t>(4 * max_request_bytes, 16 << 20), INT32_MAX);
}

grpc::experimental::Interceptor* CallGuardFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  // Calls whose request is one message read before the handler; a handler
  // that reads a stream of requests audits what it cannot read itself.
  using Type = grpc::experimental::ServerRpcInfo::Type;
  if (info->type() != Type::UNARY && info->type() != Type::SERVER_STREAMING) {
    return nullptr;
  }
  // Only the API's own methods: not health checks or reflection, and not
  // unknown methods (UnknownMethodService audits those).
  if (!absl::StartsWith(info->method(), "/casebridge.") ||
      RequestTypeOf(info->method()).empty()) {
    return nullptr;
  }
  return new CallGuard(runner_, info, max_request_bytes_);
}

namespace {

absl::Status Unimplemented(absl::string_view method) {
  return absl::UnimplementedError(absl::StrCat(
      method.empty() ? "that method" : method,
      " is not a method of this Casebridge server; check the client's version "
      "and the service and method names (reflection lists them)"));
}

}  // namespace

// One call to an unknown method, from its arrival to its answer: the tag of
// both events (`finishing` tells which).
struct UnknownMethodService::Call {
  grpc::GenericServerContext context;
  grpc::GenericServerAsyncReaderWriter stream{&context};
  bool finishing = false;
};

UnknownMethodService::UnknownMethodService(services::RpcRunner* runner,
                                           grpc::ServerBuilder& builder)
    : runner_(runner) {
  builder.RegisterAsyncGenericService(&service_);
  queue_ = builder.AddCompletionQueue();
}

UnknownMethodService::~UnknownMethodService() { Stop(); }

void UnknownMethodService::Start() {
  RequestNext();
  thread_ = std::thread([this] { Loop(); });
}

void UnknownMethodService::RequestNext() {
  auto* call = new Call();
  service_.RequestCall(&call->context, &call->stream, queue_.get(), queue_.get(), call);
}

void UnknownMethodService::Loop() {
  void* tag = nullptr;
  bool ok = false;
  while (queue_->Next(&tag, &ok)) {
    auto* call = static_cast<Call*>(tag);
    if (call->finishing || !ok) {
      // Answered, or the server is shutting down before a call came.
      delete call;
      continue;
    }
    RequestNext();
    call->finishing = true;
    call->stream.Finish(runner_->RefuseBeforeHandler(
                            call->context, call->context.method(),
                            Unimplemented(call->context.method()),
                            /*may_look_up_credential=*/true, /*may_block=*/true),
                        call);
  }
}

void UnknownMethodService::Stop() {
  if (queue_ == nullptr) return;
  queue_->Shutdown();
  if (thread_.joinable()) {
    thread_.join();
  } else {
    // Never started (the server did not start): drain what is there.
    void* tag = nullptr;
    bool ok = false;
    while (queue_->Next(&tag, &ok)) delete static_cast<Call*>(tag);
  }
  queue_.reset();
}

}  // namespace casebridge::server
