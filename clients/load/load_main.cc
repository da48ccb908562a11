// casebridge-load: load generator, seeder and sealer for the benchmarks.
//
//   casebridge-load [run] --workload=read --concurrency=8 --duration=10s
//   casebridge-load seed --database=... --cases=1000000 --audit_events=10000000
//   casebridge-load seal --database=...
//
// `run` drives many concurrent gRPC clients (one thread and one connection
// each) against a server for a fixed time or number of calls and prints
// calls/s, latency percentiles, errors by code, and the same figures as one
// JSON line (the last line of its output). See bench/README.md.
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "casebridge/v1/audit.grpc.pb.h"
#include "casebridge/v1/cases.grpc.pb.h"
#include "casebridge/v1/echo.grpc.pb.h"
#include "casebridge/v1/safeguarding.grpc.pb.h"
#include "clients/load/histogram.h"
#include "clients/load/seeder.h"
#include "grpcpp/grpcpp.h"
#include "nlohmann/json.hpp"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "run: server host:port");
ABSL_FLAG(std::string, workload, "read",
          "run: echo, read, write, mixed, partner, getcase, listcases, "
          "listcases-partner, verify; for fair share: flood (GetCase as "
          "pc.hughes only), victim (GetCase as sgt.khan only), anonymous "
          "(ListCases with no credential)");
ABSL_FLAG(int, concurrency, 8, "run: concurrent clients (threads, one connection each)");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10),
          "run: how long to measure (ignored with --calls)");
ABSL_FLAG(int64_t, calls, 0, "run: stop after this many measured calls (0: use --duration)");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1), "run: unmeasured warm-up first");
ABSL_FLAG(double, rate, 0,
          "run: total calls/s to pace at (0: as fast as the server answers). "
          "Paced latency counts from each call's scheduled start.");
ABSL_FLAG(std::string, tokens, ".casebridge/demo-tokens.json",
          "run: demo tokens file (JSON array of {user, agency_code, token})");
ABSL_FLAG(std::string, targets, "",
          "run: targets.json from `seed` (case ids each agency can see); "
          "empty: discover them with ListCases");
ABSL_FLAG(std::string, label, "", "run: label copied into the JSON line");
ABSL_FLAG(absl::Duration, call_timeout, absl::Seconds(10), "run: deadline of each call");
ABSL_FLAG(uint64_t, seed_random, 1, "run: random seed");
// seed / seal
ABSL_FLAG(std::string, database, "", "seed, seal: libpq connection string, as the owner");
ABSL_FLAG(int64_t, cases, 10000, "seed: total seeded cases wanted (tops up)");
ABSL_FLAG(int, incidents_per_case, 10, "seed: average incidents per case");
ABSL_FLAG(std::string, audit_key_dir, ".casebridge/audit-keys",
          "seed: the serving server's --audit_key_dir (made when missing)");
ABSL_FLAG(int64_t, audit_events, 0, "seed: total seeded audit events wanted (tops up)");
ABSL_FLAG(int64_t, chunk, 20000, "seed: cases per transaction");
ABSL_FLAG(std::string, tokens_out, "", "seed: write demo tokens here");
ABSL_FLAG(std::string, targets_out, "", "seed: write targets.json here");

namespace casebridge::load {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kCodes = 17;
const char* const kCodeNames[kCodes] = {
    "OK",           "CANCELLED",         "UNKNOWN",          "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED", "NOT_FOUND",    "ALREADY_EXISTS",   "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",  "OUT_OF_RANGE",
    "UNIMPLEMENTED", "INTERNAL",         "UNAVAILABLE",      "DATA_LOSS",
    "UNAUTHENTICATED"};

struct User {
  std::string name;
  std::string agency_code;
  std::string token;
};

// Everything the clients share, read-only once the run starts.
struct World {
  std::map<std::string, User> users;                          // by username
  std::map<std::string, std::vector<std::string>> visible;    // agency -> case ids
  std::vector<std::string> open_owned;                        // open police cases
  bool my_work = false;  // SafeguardingService.ListMyWork is served.
};

struct Stats {
  LatencyHistogram latency;
  int64_t codes[kCodes] = {};
  int64_t ops = 0;
};

absl::Status Fail(absl::string_view what) { return absl::FailedPreconditionError(what); }

std::shared_ptr<grpc::Channel> NewChannel(const std::string& target, int index) {
  grpc::ChannelArguments args;
  // A connection of its own per client, as separate processes would have.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt("casebridge.load.client", index);
  args.SetMaxReceiveMessageSize(64 << 20);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

void Authorize(grpc::ClientContext& ctx, const User& user, absl::Duration timeout) {
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", user.token));
  ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
  // A connection being (re)established is waited for, not failed fast: the
  // errors counted are the server's answers.
  ctx.set_wait_for_ready(true);
}

absl::Status LoadTokens(const std::string& path, World& world) {
  std::ifstream in(path);
  if (!in) return Fail(absl::StrCat("cannot read the tokens file ", path));
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_array()) return Fail(absl::StrCat(path, " is not a JSON array"));
  for (const auto& e : j) {
    User u;
    u.name = e.value("user", "");
    u.agency_code = e.value("agency_code", "");
    u.token = e.value("token", "");
    if (!u.name.empty() && !u.token.empty()) world.users[u.name] = u;
  }
  return absl::OkStatus();
}

absl::Status LoadTargets(const std::string& path, World& world) {
  std::ifstream in(path);
  if (!in) return Fail(absl::StrCat("cannot read the targets file ", path));
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_object()) return Fail(absl::StrCat(path, " is not a JSON object"));
  for (const auto& [code, ids] : j["visible"].items()) {
    world.visible[code] = ids.get<std::vector<std::string>>();
  }
  if (j["open"].contains("SP")) {
    world.open_owned = j["open"]["SP"].get<std::vector<std::string>>();
  }
  return absl::OkStatus();
}

// Without a targets file: page through ListCases as one user per agency.
absl::Status DiscoverTargets(const std::string& target, World& world) {
  auto stub = v1::CaseService::NewStub(NewChannel(target, -1));
  std::map<std::string, bool> done;
  for (const auto& [name, user] : world.users) {
    if (done[user.agency_code]) continue;
    for (const bool open_only : {false, true}) {
      if (open_only && user.agency_code != "SP") continue;
      std::string token;
      int pages = 0;
      do {
        v1::ListCasesRequest req;
        req.set_page_size(500);
        req.set_page_token(token);
        if (open_only) req.set_filter("status=OPEN");
        v1::ListCasesResponse resp;
        grpc::ClientContext ctx;
        Authorize(ctx, user, absl::Seconds(30));
        grpc::Status s = stub->ListCases(&ctx, req, &resp);
        if (!s.ok()) break;  // e.g. a role that may not list cases
        done[user.agency_code] = true;
        for (const v1::Case& c : resp.cases()) {
          std::string id = c.name().substr(sizeof("cases/") - 1);
          if (open_only) {
            world.open_owned.push_back(id);
          } else {
            world.visible[user.agency_code].push_back(id);
          }
        }
        token = resp.next_page_token();
      } while (!token.empty() && ++pages < 10);
    }
  }
  return absl::OkStatus();
}

// The users of each workload, with the case ids they pick from.
const User* FindUser(const World& w, const char* name) {
  auto it = w.users.find(name);
  return it == w.users.end() ? nullptr : &it->second;
}

class Client {
 public:
  Client(int index, const std::string& target, const World& world, uint64_t seed)
      : index_(index),
        world_(world),
        rng_(seed * 7919 + index),
        timeout_(absl::GetFlag(FLAGS_call_timeout)) {
    auto channel = NewChannel(target, index);
    // Connected before the clock starts.
    channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10));
    cases_ = v1::CaseService::NewStub(channel);
    echo_ = v1::EchoService::NewStub(channel);
    audit_ = v1::AuditService::NewStub(channel);
    safeguarding_ = v1::SafeguardingService::NewStub(channel);
    police_ = {FindUser(world, "pc.hughes"), FindUser(world, "sgt.khan")};
    for (const char* p : {"council.patel", "county.evans", "nhs.morgan", "isac.lewis"}) {
      if (const User* u = FindUser(world, p)) partners_.push_back(u);
    }
    for (const char* p : {"council.patel", "county.evans", "nhs.morgan"}) {
      if (const User* u = FindUser(world, p)) leads_.push_back(u);
    }
    cps_ = FindUser(world, "cps.okafor");
    auditor_ = FindUser(world, "auditor.shah");
  }

  // Before the clock starts: the etags of the cases this client updates (a
  // disjoint slice per client, so clients do not conflict with each other).
  absl::Status Prepare(const std::string& workload, int clients) {
    if (workload != "write" && workload != "mixed") return absl::OkStatus();
    const auto& open = world_.open_owned;
    for (size_t i = index_; i < open.size() && owned_.size() < 16; i += clients) {
      v1::GetCaseRequest req;
      req.set_name(absl::StrCat("cases/", open[i]));
      v1::Case c;
      grpc::ClientContext ctx;
      Authorize(ctx, *police_[0], timeout_);
      grpc::Status s = cases_->GetCase(&ctx, req, &c);
      if (!s.ok()) return Fail(absl::StrCat("GetCase for setup: ", s.error_message()));
      owned_.push_back({c.name(), c.etag()});
    }
    if (owned_.empty()) return Fail("no open police cases to update: seed first");
    return absl::OkStatus();
  }

  // One call of the workload; returns its status code.
  grpc::StatusCode Call(const std::string& workload) {
    if (workload == "echo") return Echo();
    if (workload == "read") return ReadAsAnyone();
    if (workload == "write") return Write();
    if (workload == "mixed") return Mixed();
    if (workload == "partner") return PartnerWork();
    if (workload == "getcase") return GetCase(*police_[Pick(2)], "SP");
    if (workload == "listcases") return ListCasesPage(*police_[0], "", 50);
    if (workload == "listcases-partner") return ListCasesPage(*leads_[0], "", 50);
    if (workload == "verify") return Verify();
    if (workload == "flood") return GetCase(*police_[0], "SP");
    if (workload == "victim") return GetCase(*police_[1], "SP");
    if (workload == "anonymous") return Anonymous();
    return grpc::StatusCode::UNIMPLEMENTED;
  }

  int64_t verified_events() const { return verified_events_; }

 private:
  struct Owned {
    std::string name;
    std::string etag;
  };

  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  int Percent() { return static_cast<int>(Pick(100)); }

  grpc::StatusCode Echo() {
    v1::EchoRequest req;
    req.set_message("casebridge-load echo payload 0123456789abcdef0123456789abcdef");
    v1::EchoResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     absl::ToChronoMilliseconds(timeout_));
    ctx.set_wait_for_ready(true);
    return echo_->Echo(&ctx, req, &resp).error_code();
  }

  grpc::StatusCode GetCase(const User& user, const std::string& agency) {
    auto it = world_.visible.find(agency);
    if (it == world_.visible.end() || it->second.empty()) {
      return grpc::StatusCode::FAILED_PRECONDITION;
    }
    v1::GetCaseRequest req;
    req.set_name(absl::StrCat("cases/", it->second[Pick(it->second.size())]));
    v1::Case c;
    grpc::ClientContext ctx;
    Authorize(ctx, user, timeout_);
    return cases_->GetCase(&ctx, req, &c).error_code();
  }

  // Police half the time, CPS a quarter, partners a quarter: each sees its
  // own view (full, prosecution, safeguarding) of a case shared with it.
  grpc::StatusCode ReadAsAnyone() {
    int p = Percent();
    if (p < 50) return GetCase(*police_[Pick(2)], "SP");
    if (p < 75 && cps_ != nullptr) return GetCase(*cps_, "CPSWM");
    const User* u = partners_[Pick(partners_.size())];
    return GetCase(*u, u->agency_code);
  }

  grpc::StatusCode ListCasesPage(const User& user, const std::string& filter,
                                 int page_size) {
    v1::ListCasesRequest req;
    req.set_page_size(page_size);
    req.set_filter(filter);
    v1::ListCasesResponse resp;
    grpc::ClientContext ctx;
    Authorize(ctx, user, timeout_);
    return cases_->ListCases(&ctx, req, &resp).error_code();
  }

  // A partner's open work: ListMyWork once safeguarding actions are served,
  // until then the open cases shared with its agency, page after page.
  grpc::StatusCode PartnerWork() {
    const User& u = *leads_[Pick(leads_.size())];
    grpc::ClientContext ctx;
    Authorize(ctx, u, timeout_);
    grpc::Status s;
    std::string next;
    if (world_.my_work) {
      v1::ListMyWorkRequest req;
      req.set_page_size(50);
      req.set_page_token(partner_page_token_);
      v1::ListMyWorkResponse resp;
      s = safeguarding_->ListMyWork(&ctx, req, &resp);
      next = resp.next_page_token();
    } else {
      v1::ListCasesRequest req;
      req.set_page_size(50);
      req.set_filter("status=OPEN");
      // Page tokens are bound to the caller's query, not the user: keep
      // paging as the same user.
      if (!partner_page_token_.empty() && partner_page_user_ == &u) {
        req.set_page_token(partner_page_token_);
      }
      v1::ListCasesResponse resp;
      s = cases_->ListCases(&ctx, req, &resp);
      next = resp.next_page_token();
    }
    // Up to five pages, then back to the first, as a person working down
    // their list would.
    if (s.ok() && !next.empty() && ++partner_pages_ < 5) {
      partner_page_token_ = next;
      partner_page_user_ = &u;
    } else {
      partner_page_token_.clear();
      partner_pages_ = 0;
    }
    return s.error_code();
  }

  grpc::StatusCode AddIncident() {
    const auto& open = world_.open_owned;
    if (open.empty()) return grpc::StatusCode::FAILED_PRECONDITION;
    v1::AddIncidentRequest req;
    req.set_parent(absl::StrCat("cases/", open[Pick(open.size())]));
    req.set_request_id(absl::StrCat("load-", index_, "-", absl::ToUnixNanos(absl::Now()),
                                    "-", ++sequence_));
    v1::Incident* i = req.mutable_incident();
    absl::Time occurred = absl::Now() - absl::Hours(2);
    i->mutable_occur_time()->set_seconds(absl::ToUnixSeconds(occurred));
    i->set_location("Outside the victim's workplace, Hanley");
    i->add_behaviours(v1::BEHAVIOUR_TURNING_UP);
    i->add_behaviours(v1::BEHAVIOUR_LOITERING);
    i->add_four_signs(v1::FOUR_SIGN_FIXATED);
    i->add_four_signs(v1::FOUR_SIGN_REPEATED);
    i->set_description(
        "Suspect waited outside the building for two hours and followed the "
        "victim to her car.");
    i->set_victim_impact("Frightened to leave work alone");
    i->set_reported_to_police(true);
    v1::Incident resp;
    grpc::ClientContext ctx;
    Authorize(ctx, *police_[Pick(2)], timeout_);
    return cases_->AddIncident(&ctx, req, &resp).error_code();
  }

  // UpdateCase with the etag of this client's last write; a stale etag
  // (ABORTED) is counted and the etag refreshed outside the measurement.
  grpc::StatusCode UpdateCase() {
    Owned& o = owned_[Pick(owned_.size())];
    v1::UpdateCaseRequest req;
    req.mutable_case_()->set_name(o.name);
    req.mutable_case_()->set_etag(o.etag);
    req.mutable_case_()->set_summary(absl::StrCat(
        "Ex-partner repeatedly turning up at the victim's workplace; reviewed ",
        absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::Now(), absl::UTCTimeZone())));
    req.mutable_update_mask()->add_paths("summary");
    v1::Case resp;
    grpc::ClientContext ctx;
    Authorize(ctx, *police_[0], timeout_);
    grpc::Status s = cases_->UpdateCase(&ctx, req, &resp);
    if (s.ok()) {
      o.etag = resp.etag();
    } else if (s.error_code() == grpc::StatusCode::ABORTED) {
      needs_refresh_ = &o;
    }
    return s.error_code();
  }

  grpc::StatusCode Write() { return Pick(2) == 0 ? AddIncident() : UpdateCase(); }

  // 80% reads: GetCase (as anyone), a ListCases page (police), a partner's
  // open work; 20% writes.
  grpc::StatusCode Mixed() {
    int p = Percent();
    if (p < 40) return ReadAsAnyone();
    if (p < 60) return ListCasesPage(*police_[Pick(2)], "", 50);
    if (p < 80) return PartnerWork();
    return Write();
  }

  // A caller with no credential: what a flood of them costs others.
  grpc::StatusCode Anonymous() {
    v1::ListCasesRequest req;
    v1::ListCasesResponse resp;
    grpc::ClientContext ctx;  // No credential at all.
    ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout_));
    return cases_->ListCases(&ctx, req, &resp).error_code();
  }

  grpc::StatusCode Verify() {
    v1::VerifyAuditLogRequest req;
    v1::VerifyAuditLogResponse resp;
    grpc::ClientContext ctx;
    Authorize(ctx, *auditor_, absl::Hours(1));
    grpc::Status s = audit_->VerifyAuditLog(&ctx, req, &resp);
    if (s.ok()) {
      verified_events_ += resp.events_checked();
      if (!resp.ok()) {
        std::cerr << "verify: the log did NOT verify: " << resp.detail() << "\n";
        return grpc::StatusCode::DATA_LOSS;
      }
    } else {
      std::cerr << "verify: " << s.error_message() << "\n";
    }
    return s.error_code();
  }

 public:
  // Refreshes an etag after a conflict (unmeasured).
  void AfterCall() {
    if (needs_refresh_ == nullptr) return;
    v1::GetCaseRequest req;
    req.set_name(needs_refresh_->name);
    v1::Case c;
    grpc::ClientContext ctx;
    Authorize(ctx, *police_[0], timeout_);
    if (cases_->GetCase(&ctx, req, &c).ok()) needs_refresh_->etag = c.etag();
    needs_refresh_ = nullptr;
  }

 private:
  int index_;
  const World& world_;
  std::mt19937_64 rng_;
  absl::Duration timeout_;
  std::unique_ptr<v1::CaseService::Stub> cases_;
  std::unique_ptr<v1::EchoService::Stub> echo_;
  std::unique_ptr<v1::AuditService::Stub> audit_;
  std::unique_ptr<v1::SafeguardingService::Stub> safeguarding_;
  std::vector<const User*> police_;
  std::vector<const User*> partners_;
  std::vector<const User*> leads_;
  const User* cps_ = nullptr;
  const User* auditor_ = nullptr;
  std::vector<Owned> owned_;
  Owned* needs_refresh_ = nullptr;
  std::string partner_page_token_;
  const User* partner_page_user_ = nullptr;
  int partner_pages_ = 0;
  int64_t sequence_ = 0;
  int64_t verified_events_ = 0;
};

bool NeedsUsers(const std::string& workload) {
  return workload != "echo" && workload != "anonymous";
}

absl::Status CheckWorld(const World& w, const std::string& workload) {
  if (!NeedsUsers(workload)) return absl::OkStatus();
  for (const char* name : {"pc.hughes", "sgt.khan", "cps.okafor", "council.patel",
                           "county.evans", "nhs.morgan", "isac.lewis", "auditor.shah"}) {
    if (FindUser(w, name) == nullptr) {
      return Fail(absl::StrCat("the tokens file has no token for ", name));
    }
  }
  if (workload != "verify" && (w.visible.count("SP") == 0 || w.visible.at("SP").empty())) {
    return Fail("no cases to read: seed the database first (casebridge-load seed)");
  }
  return absl::OkStatus();
}

// Whether SafeguardingService.ListMyWork is served (it lands after this
// tool): the partner workload uses it when it is.
bool ProbeMyWork(const std::string& target, const World& w) {
  const User* u = FindUser(w, "council.patel");
  if (u == nullptr) return false;
  auto stub = v1::SafeguardingService::NewStub(NewChannel(target, -2));
  v1::ListMyWorkRequest req;
  req.set_page_size(1);
  v1::ListMyWorkResponse resp;
  grpc::ClientContext ctx;
  Authorize(ctx, *u, absl::Seconds(10));
  return stub->ListMyWork(&ctx, req, &resp).ok();
}

int Run() {
  const std::string target = absl::GetFlag(FLAGS_target);
  const std::string workload = absl::GetFlag(FLAGS_workload);
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  const absl::Duration duration = absl::GetFlag(FLAGS_duration);
  const int64_t max_calls = absl::GetFlag(FLAGS_calls);
  const absl::Duration warmup = absl::GetFlag(FLAGS_warmup);
  const double rate = absl::GetFlag(FLAGS_rate);
  static const char* const kWorkloads[] = {
      "echo",   "read",   "write",  "mixed",    "partner",  "getcase",
      "listcases", "listcases-partner", "verify", "flood", "victim", "anonymous"};
  bool known = false;
  for (const char* w : kWorkloads) known = known || workload == w;
  if (!known) {
    std::cerr << "casebridge-load: unknown --workload " << workload << "\n";
    return 2;
  }
  if (concurrency < 1 || concurrency > 1024) {
    std::cerr << "casebridge-load: --concurrency must be 1..1024\n";
    return 2;
  }

  World world;
  absl::Status s;
  if (NeedsUsers(workload)) {
    s = LoadTokens(absl::GetFlag(FLAGS_tokens), world);
    if (s.ok()) {
      s = absl::GetFlag(FLAGS_targets).empty()
              ? DiscoverTargets(target, world)
              : LoadTargets(absl::GetFlag(FLAGS_targets), world);
    }
    if (s.ok()) s = CheckWorld(world, workload);
    if (!s.ok()) {
      std::cerr << "casebridge-load: " << s.message() << "\n";
      return 1;
    }
    world.my_work = ProbeMyWork(target, world);
  }

  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < concurrency; ++i) {
    clients.push_back(std::make_unique<Client>(i, target, world,
                                               absl::GetFlag(FLAGS_seed_random)));
    absl::Status p = clients.back()->Prepare(workload, concurrency);
    if (!p.ok()) {
      std::cerr << "casebridge-load: " << p.message() << "\n";
      return 1;
    }
  }

  std::vector<Stats> stats(concurrency);
  std::atomic<int64_t> remaining{max_calls > 0 ? max_calls : INT64_MAX};
  const Clock::time_point start = Clock::now();
  const Clock::time_point measure_from = start + absl::ToChronoNanoseconds(warmup);
  const Clock::time_point measure_until =
      max_calls > 0 ? Clock::time_point::max()
                    : measure_from + absl::ToChronoNanoseconds(duration);
  std::vector<std::thread> threads;
  for (int i = 0; i < concurrency; ++i) {
    threads.emplace_back([&, i] {
      Client& client = *clients[i];
      Stats& st = stats[i];
      // Paced: each client sends every concurrency/rate seconds, staggered.
      const auto interval = rate > 0 ? std::chrono::nanoseconds(static_cast<int64_t>(
                                           1e9 * concurrency / rate))
                                     : std::chrono::nanoseconds(0);
      Clock::time_point next = start + interval * i / concurrency;
      while (true) {
        Clock::time_point scheduled = Clock::now();
        if (rate > 0) {
          std::this_thread::sleep_until(next);
          scheduled = next;
          next += interval;
        }
        if (scheduled >= measure_until) break;
        const bool measured = scheduled >= measure_from;
        if (measured && max_calls > 0 && remaining.fetch_sub(1) <= 0) break;
        grpc::StatusCode code = client.Call(workload);
        const Clock::time_point done = Clock::now();
        if (measured) {
          st.latency.Record(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                done - scheduled).count());
          st.codes[static_cast<int>(code) < kCodes ? static_cast<int>(code) : 2]++;
        }
        client.AfterCall();
        if (workload == "verify" && measured) break;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const double elapsed = std::max(
      1e-9, std::chrono::duration<double>(Clock::now() - measure_from).count());
  const double seconds =
      max_calls > 0 || workload == "verify" ? elapsed : absl::ToDoubleSeconds(duration);

  Stats total;
  for (const Stats& st : stats) {
    total.latency.Merge(st.latency);
    for (int c = 0; c < kCodes; ++c) total.codes[c] += st.codes[c];
  }
  const int64_t calls = static_cast<int64_t>(total.latency.count());
  const int64_t ok = total.codes[0];
  auto ms = [](double nanos) { return nanos / 1e6; };
  nlohmann::json errors = nlohmann::json::object();
  for (int c = 1; c < kCodes; ++c) {
    if (total.codes[c] > 0) errors[kCodeNames[c]] = total.codes[c];
  }
  nlohmann::json out = {
      {"tool", "casebridge-load"},
      {"label", absl::GetFlag(FLAGS_label)},
      {"workload", workload},
      {"concurrency", concurrency},
      {"rate_target", rate},
      {"seconds", seconds},
      {"calls", calls},
      {"ok", ok},
      {"errors", errors},
      {"calls_per_s", calls / seconds},
      {"ok_per_s", ok / seconds},
      {"mean_ms", ms(total.latency.mean())},
      {"p50_ms", ms(total.latency.Percentile(50))},
      {"p95_ms", ms(total.latency.Percentile(95))},
      {"p99_ms", ms(total.latency.Percentile(99))},
      {"max_ms", ms(static_cast<double>(total.latency.max()))},
      {"partner_source", world.my_work ? "ListMyWork" : "ListCases status=OPEN"},
  };
  if (workload == "verify") {
    int64_t events = clients[0]->verified_events();
    out["events_checked"] = events;
    out["events_per_s"] = events / elapsed;
  }
  std::cout << absl::StrFormat(
      "%s %s: concurrency %d, %.1f s, %d calls (%d ok), %.0f calls/s\n"
      "  latency ms: mean %.3f  p50 %.3f  p95 %.3f  p99 %.3f  max %.3f\n",
      workload, absl::GetFlag(FLAGS_label), concurrency, seconds, calls, ok,
      calls / seconds, ms(total.latency.mean()), ms(total.latency.Percentile(50)),
      ms(total.latency.Percentile(95)), ms(total.latency.Percentile(99)),
      ms(static_cast<double>(total.latency.max())));
  if (!errors.empty()) std::cout << "  errors: " << errors.dump() << "\n";
  if (workload == "verify") {
    std::cout << absl::StrFormat("  verified %d events, %.0f events/s\n",
                                 out["events_checked"].get<int64_t>(),
                                 out["events_per_s"].get<double>());
  }
  std::cout << out.dump() << std::endl;
  return calls > 0 ? 0 : 1;
}

}  // namespace
}  // namespace casebridge::load

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Casebridge benchmarks.\n\n"
      "  casebridge-load [run] --workload=W --concurrency=N --duration=D\n"
      "  casebridge-load seed --database=CONN --cases=N [--audit_events=N]\n"
      "  casebridge-load seal --database=CONN\n\n"
      "Flags may be spelled with dashes or underscores.");
  // --data-dir style flags, as the server accepts.
  std::vector<std::string> storage;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (i > 0 && absl::StartsWith(a, "--")) {
      size_t end = std::min(a.find('='), a.size());
      for (size_t k = 2; k < end; ++k) {
        if (a[k] == '-') a[k] = '_';
      }
    }
    storage.push_back(a);
  }
  for (std::string& a : storage) args.push_back(a.data());
  std::vector<char*> positional =
      absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  const std::string command = positional.size() > 1 ? positional[1] : "run";
  if (command == "run") return casebridge::load::Run();
  if (command == "seed") {
    casebridge::load::SeedOptions o;
    o.database = absl::GetFlag(FLAGS_database);
    o.cases = absl::GetFlag(FLAGS_cases);
    o.incidents_per_case = absl::GetFlag(FLAGS_incidents_per_case);
    o.audit_events = absl::GetFlag(FLAGS_audit_events);
    o.chunk = absl::GetFlag(FLAGS_chunk);
    o.tokens_out = absl::GetFlag(FLAGS_tokens_out);
    o.audit_key_dir = absl::GetFlag(FLAGS_audit_key_dir);
    o.targets_out = absl::GetFlag(FLAGS_targets_out);
    absl::Status s = casebridge::load::Seed(o);
    if (!s.ok()) {
      std::cerr << "casebridge-load seed: " << s.message() << "\n";
      return 1;
    }
    return 0;
  }
  if (command == "seal") {
    absl::Status s = casebridge::load::Seal(absl::GetFlag(FLAGS_database),
                                            absl::GetFlag(FLAGS_audit_key_dir));
    if (!s.ok()) {
      std::cerr << "casebridge-load seal: " << s.message() << "\n";
      return 1;
    }
    return 0;
  }
  std::cerr << "casebridge-load: unknown command '" << command
            << "'; commands: run (default), seed, seal. See --help.\n";
  return 2;
}
