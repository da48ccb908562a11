#include "tests/integration/matrix/probe.h"

#include "absl/strings/str_cat.h"
#include "tests/integration/matrix/world.h"

namespace casebridge::matrix {

std::unique_ptr<grpc::ClientContext> ProbeEnv::Context() const {
  return world.ContextFor(caller);
}

std::string Probe::Label() const {
  return variant.empty() ? method : absl::StrCat(method, " [", variant, "]");
}

ProbeRegistry& ProbeRegistry::Get() {
  static auto* registry = new ProbeRegistry();
  return *registry;
}

void ProbeRegistry::Add(Probe probe) { probes_.push_back(std::move(probe)); }

bool RegisterProbes(void (*fn)(ProbeRegistry&)) {
  fn(ProbeRegistry::Get());
  return true;
}

}  // namespace casebridge::matrix
