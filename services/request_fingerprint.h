#ifndef CASEBRIDGE_SERVICES_REQUEST_FINGERPRINT_H_
#define CASEBRIDGE_SERVICES_REQUEST_FINGERPRINT_H_

#include <string>

#include "google/protobuf/message.h"

namespace casebridge::services {

// What a create claims its request_id with (storage::ClaimRequestId), so a
// retry of the same request is told apart from a new request sent with a
// used id: the raw SHA-256 of `request`'s deterministic serialization with
// its `request_id` field cleared and unknown fields dropped (the server
// ignores them, so they do not make a request a different one). Two
// requests get the same fingerprint exactly when every field the server
// reads is equal, however the client ordered them on the wire.
std::string RequestFingerprint(const google::protobuf::Message& request);

}  // namespace casebridge::services

#endif  // CASEBRIDGE_SERVICES_REQUEST_FINGERPRINT_H_
