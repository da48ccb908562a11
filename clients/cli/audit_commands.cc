// casebridge audit ...: the tamper-evident audit log: events, who saw a
// case, verification of the hash chain and checkpoints kept outside the
// database.
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "casebridge/v1/audit.grpc.pb.h"
#include "clients/cli/command_support.h"
#include "clients/cli/commands.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/names.h"
#include "clients/cli/output.h"
#include "domain/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "verify/audit_entry.h"
#include "verify/merkle_proof.h"
#include "verify/tree_head.h"

namespace casebridge::cli {
namespace {

// "/casebridge.v1.CaseService/GetCase" -> "CaseService/GetCase".
std::string ShortMethod(absl::string_view method) {
  absl::ConsumePrefix(&method, "/");
  absl::ConsumePrefix(&method, "casebridge.v1.");
  return std::string(method);
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_sec, t, absl::UTCTimeZone());
}

std::string CheckpointText(Cli& cli, const v1::AuditCheckpoint& c) {
  Details d;
  d.AddAlways("Sequence", absl::StrCat(c.sequence()));
  d.AddAlways("Chain hash", c.chain_hash());
  d.Add("Time", FormatTimestamp(c.time(), cli.tz));
  return d.Render();
}

void AddEvents(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string case_arg, user, agency, method, outcome, after, before;
    Paging paging;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "events",
      "Audit events, newest first: who called what, from where, with what outcome "
      "(auditors; supervisors for their own force's cases).",
      "casebridge --as auditor.shah audit events --case SP-2026-000123 --outcome "
      "PERMISSION_DENIED",
      [&cli, o]() -> absl::Status {
        std::vector<std::string> terms;
        if (!o->case_arg.empty()) {
          absl::StatusOr<std::string> name = CaseNameArg(o->case_arg, "--case");
          if (!name.ok()) return name.status();
          terms.push_back("case=" + *name);
        }
        if (!o->user.empty()) {
          absl::StatusOr<std::string> u = cli.UserName(o->user, "--user");
          if (!u.ok()) return u.status();
          terms.push_back("user=" + *u);
        }
        if (!o->agency.empty()) {
          absl::StatusOr<std::string> a = cli.AgencyName(o->agency, "--agency");
          if (!a.ok()) return a.status();
          terms.push_back("agency=" + *a);
        }
        if (!o->method.empty()) {
          std::string m = o->method;
          if (!absl::StartsWith(m, "/")) {
            m = absl::StrContains(m, "/") ? absl::StrCat("/casebridge.v1.", m) : m;
          }
          terms.push_back("method=" + m);
        }
        if (!o->outcome.empty()) terms.push_back("outcome=" + o->outcome);
        for (auto [text, key, option] : {std::tuple{o->after, "after", "--after"},
                                         std::tuple{o->before, "before", "--before"}}) {
          if (text.empty()) continue;
          absl::StatusOr<absl::Time> t = cli.When(text, option);
          if (!t.ok()) return t.status();
          terms.push_back(absl::StrCat(key, "=", Rfc3339(*t)));
        }
        v1::ListAuditEventsRequest request;
        request.set_filter(absl::StrJoin(terms, " AND "));
        request.set_page_size(o->paging.page_size);
        request.set_page_token(o->paging.page_token);
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::ListAuditEventsResponse response;
        absl::Status s = (*c)->Call("ListAuditEvents", [&](grpc::ClientContext* ctx) {
          return (*c)->audit().ListAuditEvents(ctx, request, &response);
        });
        if (!s.ok()) return s;
        Table t(
            {"SEQ", "TIME", "USER", "AGENCY", "METHOD", "CASE", "OUTCOME", "CHANGED"});
        t.SetMaxWidth(7, 30);
        std::vector<std::string> names;
        for (const v1::AuditEvent& e : response.events()) {
          t.AddRow({e.sequence() == 0 ? "-" : absl::StrCat(e.sequence()),
                    FormatTimestamp(e.time(), cli.tz),
                    e.username().empty() ? "-" : e.username(), cli.AgencyCode(e.agency()),
                    ShortMethod(e.method()), e.case_reference(), e.outcome(),
                    absl::StrJoin(e.changed_fields(), ",")});
          names.push_back(e.name());
        }
        cli.EmitList(response, names, t, "no audit events", response.next_page_token());
        return absl::OkStatus();
      });
  cmd->add_option("--case", o->case_arg, "events about this case");
  cmd->add_option("--user", o->user, "events of this user (users/{id} or me)");
  cmd->add_option("--agency", o->agency, "events of this agency (code)");
  cmd->add_option("--method", o->method, "e.g. CaseService/GetCase");
  cmd->add_option("--outcome", o->outcome, "e.g. OK, PERMISSION_DENIED, NOT_FOUND");
  cmd->add_option("--after", o->after, "e.g. \"2 days ago\"");
  cmd->add_option("--before", o->before, "e.g. \"today 09:00\"");
  AddPaging(cmd, &o->paging);
}

void AddWhoSaw(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string case_arg;
    Paging paging;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "who-saw",
      "Who has seen a case: each user and agency that read it, how, how often, and "
      "when first and last.",
      "casebridge --as auditor.shah audit who-saw SP-2026-000123",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<std::string> name = CaseNameArg(o->case_arg, "CASE");
        if (!name.ok()) return name.status();
        v1::ListCaseAccessRequest request;
        request.set_name(*name);
        request.set_page_size(o->paging.page_size);
        request.set_page_token(o->paging.page_token);
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::ListCaseAccessResponse response;
        absl::Status s = (*c)->Call("ListCaseAccess", [&](grpc::ClientContext* ctx) {
          return (*c)->audit().ListCaseAccess(ctx, request, &response);
        });
        if (!s.ok()) return s;
        Table t({"USER", "AGENCY", "KIND", "HOW", "TIMES", "FIRST", "LAST"});
        std::vector<std::string> names;
        for (const v1::CaseAccess& a : response.accesses()) {
          t.AddRow({a.username(), cli.AgencyCode(a.agency()),
                    EnumWords(v1::AgencyKind_descriptor(), a.agency_kind()),
                    ShortMethod(a.method()), absl::StrCat(a.count()),
                    FormatTimestamp(a.first_time(), cli.tz),
                    FormatTimestamp(a.last_time(), cli.tz)});
          names.push_back(a.user());
        }
        cli.EmitList(response, names, t, "nobody has read this case",
                     response.next_page_token());
        return absl::OkStatus();
      });
  cmd->add_option("CASE", o->case_arg, "case reference or name")->required();
  AddPaging(cmd, &o->paging);
}

absl::StatusOr<v1::AuditCheckpoint> ReadCheckpoint(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return WithField(UsageError(absl::StrCat("cannot read ", path)), "--checkpoint");
  std::stringstream text;
  text << in.rdbuf();
  v1::AuditCheckpoint checkpoint;
  if (!google::protobuf::util::JsonStringToMessage(text.str(), &checkpoint).ok()) {
    return WithField(UsageError(absl::StrCat(path,
                                             " is not a checkpoint saved by "
                                             "'casebridge audit checkpoint --save'")),
                     "--checkpoint");
  }
  return checkpoint;
}

absl::Status CheckSince(Cli& cli, const std::string& since, const std::string& keys_file,
                        int64_t* from, std::string* text);
absl::Status WriteWholeFile(const std::string& path, absl::string_view text);

void AddVerify(CLI::App& group, Cli& cli) {
  struct Opts {
    int64_t from = 0, to = 0;
    std::string checkpoint, since, keys;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "verify",
      "Walk the audit log's hash chain and name the first event altered, removed or "
      "inserted. With --checkpoint, also prove the chain still passes through a "
      "checkpoint saved earlier. Exits 1 when the log fails.",
      "casebridge --as auditor.shah audit verify --checkpoint checkpoint.json",
      [&cli, o]() -> absl::Status {
        std::string since_text;
        int64_t from = o->from;
        if (!o->since.empty()) {
          CB_RETURN_IF_ERROR(CheckSince(cli, o->since, o->keys, &from, &since_text));
        }
        v1::VerifyAuditLogRequest request;
        request.set_from_sequence(from);
        request.set_to_sequence(o->to);
        if (!o->checkpoint.empty()) {
          absl::StatusOr<v1::AuditCheckpoint> cp = ReadCheckpoint(o->checkpoint);
          if (!cp.ok()) return cp.status();
          *request.mutable_checkpoint() = *cp;
        }
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::VerifyAuditLogResponse response;
        absl::Status s = (*c)->Call("VerifyAuditLog", [&](grpc::ClientContext* ctx) {
          return (*c)->audit().VerifyAuditLog(ctx, request, &response);
        });
        if (!s.ok()) return s;
        std::string text;
        if (response.ok()) {
          text = absl::StrCat(
              since_text, "audit log verified: ", response.events_checked(),
              " events checked, chain intact",
              o->checkpoint.empty() ? "" : " and passes through the checkpoint",
              "\nhead: sequence ", response.head().sequence(), ", hash ",
              response.head().chain_hash(), "\n");
          if (response.has_witnessed_head()) {
            absl::StrAppend(&text, "witnessed head: ", response.witnessed_head().tree_size(),
                            " events, reached and matched\n");
          }
        } else {
          text = absl::StrCat("AUDIT LOG FAILED VERIFICATION at sequence ",
                              response.first_bad_sequence(), ": ",
                              EnumName(v1::AuditProblem_descriptor(), response.problem()),
                              response.detail().empty() ? "" : " - ", response.detail(),
                              "\n(", response.events_checked(), " events checked)\n");
        }
        cli.Emit(response, absl::StrCat(response.head().sequence()), text);
        if (!response.ok()) {
          return absl::DataLossError("the audit log failed verification");
        }
        return absl::OkStatus();
      });
  cmd->add_option("--from", o->from, "first sequence to walk (default: the start)");
  cmd->add_option("--to", o->to, "last sequence to walk (default: the head)");
  cmd->add_option("--checkpoint", o->checkpoint,
                  "a file saved by 'audit checkpoint --save'");
  cmd->add_option("--since", o->since,
                  "a head saved by 'audit head --save': prove the log only grew since, "
                  "and walk only the events after it");
  cmd->add_option("--keys", o->keys, "public keys saved by 'audit keys --save'");
}

void AddCheckpoint(CLI::App& group, Cli& cli) {
  auto save = std::make_shared<std::string>();
  CLI::App* cmd = AddCommand(
      group, cli, "checkpoint",
      "The audit chain's head now. Save it outside the database; 'audit verify "
      "--checkpoint FILE' later proves the log still passes through it.",
      "casebridge --as auditor.shah audit checkpoint --save checkpoint.json",
      [&cli, save]() -> absl::Status {
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::AuditCheckpoint response;
        absl::Status s = (*c)->Call("GetAuditCheckpoint", [&](grpc::ClientContext* ctx) {
          return (*c)->audit().GetAuditCheckpoint(ctx, v1::GetAuditCheckpointRequest(),
                                                  &response);
        });
        if (!s.ok()) return s;
        std::string text = CheckpointText(cli, response);
        if (!save->empty()) {
          CB_RETURN_IF_ERROR(WriteWholeFile(*save, ToJson(response)));
          absl::StrAppend(&text, "saved to ", *save, "\n");
        }
        cli.Emit(response, absl::StrCat(response.sequence()), text);
        return absl::OkStatus();
      });
  cmd->add_option("--save", *save, "write the checkpoint to this file (JSON)");
}

// ---- The verifiable log: keys, heads, proofs, checked here, offline -------

verify::TreeHead FromProto(const v1::AuditTreeHead& h) {
  verify::TreeHead out;
  out.tree_size = h.tree_size();
  out.root_hash = h.root_hash();
  out.time_micros = h.time().seconds() * 1000000 + h.time().nanos() / 1000;
  out.key_id = h.key_id();
  out.signature = h.signature();
  return out;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path, absl::string_view flag) {
  std::ifstream in(path);
  if (!in) return WithField(UsageError(absl::StrCat("cannot read ", path)), flag);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::Status WriteWholeFile(const std::string& path, absl::string_view text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out) return absl::UnknownError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

// The public keys heads are checked with: the auditor's own file (--keys),
// or else the server's answer, said to be only as good as the server.
absl::StatusOr<std::vector<verify::PublicKey>> KeysFor(Cli& cli, const std::string& keys_file,
                                                       std::string* note) {
  std::string text;
  if (!keys_file.empty()) {
    absl::StatusOr<std::string> read = ReadWholeFile(keys_file, "--keys");
    if (!read.ok()) return read.status();
    text = *std::move(read);
  } else {
    absl::StatusOr<Client*> c = cli.client();
    if (!c.ok()) return c.status();
    v1::ListAuditSigningKeysResponse keys;
    absl::Status s = (*c)->Call("ListAuditSigningKeys", [&](grpc::ClientContext* ctx) {
      return (*c)->audit().ListAuditSigningKeys(ctx, v1::ListAuditSigningKeysRequest(), &keys);
    });
    if (!s.ok()) return s;
    text = keys.encoded();
    *note =
        "(keys fetched from the server: keep them with 'audit keys --save FILE' and pass "
        "--keys FILE, so a server that is not the one you trust cannot vouch for itself)\n";
  }
  absl::StatusOr<std::vector<verify::PublicKey>> keys = verify::ParsePublicKeys(text);
  if (!keys.ok()) return WithField(UsageError(keys.status().message()), "--keys");
  return keys;
}

// DATA_LOSS saying whose head (`whose`) does not check against `keys`.
absl::Status CheckHead(const verify::TreeHead& head, const std::vector<verify::PublicKey>& keys,
                       absl::string_view whose) {
  absl::Status signature = verify::VerifyTreeHead(head, keys);
  if (signature.ok()) return signature;
  return absl::DataLossError(
      absl::StrCat(whose, " tree head does not check: ", signature.message()));
}

std::string HeadText(Cli& cli, const v1::AuditTreeHead& h) {
  Details d;
  d.AddAlways("Events", absl::StrCat(h.tree_size()));
  d.AddAlways("Root", absl::BytesToHexString(h.root_hash()));
  d.Add("Time", FormatTimestamp(h.time(), cli.tz));
  d.AddAlways("Signed by", h.key_id());
  return d.Render();
}

void AddKeys(CLI::App& group, Cli& cli) {
  auto save = std::make_shared<std::string>();
  CLI::App* cmd = AddCommand(
      group, cli, "keys",
      "The public keys that sign the audit log's tree heads. Save them once, keep them "
      "apart from the server, and give them to 'audit prove' and 'audit head' as --keys.",
      "casebridge --as auditor.shah audit keys --save audit-keys.txt",
      [&cli, save]() -> absl::Status {
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::ListAuditSigningKeysResponse response;
        absl::Status s = (*c)->Call("ListAuditSigningKeys", [&](grpc::ClientContext* ctx) {
          return (*c)->audit().ListAuditSigningKeys(ctx, v1::ListAuditSigningKeysRequest(),
                                                    &response);
        });
        if (!s.ok()) return s;
        Table t({"KEY", "CREATED"});
        for (const v1::AuditSigningKey& k : response.keys()) {
          t.AddRow({k.key_id(), FormatTimestamp(k.create_time(), cli.tz)});
        }
        std::string text = t.Render();
        if (!save->empty()) {
          CB_RETURN_IF_ERROR(WriteWholeFile(*save, response.encoded()));
          absl::StrAppend(&text, "saved to ", *save, "\n");
        }
        cli.Emit(response, "", text);
        return absl::OkStatus();
      });
  cmd->add_option("--save", *save, "write the keys to this file");
}

void AddHead(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string save, keys;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "head",
      "The audit log's signed tree head now, its signature checked here. Save it: "
      "'audit verify --since FILE' later proves the log only grew since.",
      "casebridge --as auditor.shah audit head --keys audit-keys.txt --save head.txt",
      [&cli, o]() -> absl::Status {
        std::string note;
        absl::StatusOr<std::vector<verify::PublicKey>> keys = KeysFor(cli, o->keys, &note);
        if (!keys.ok()) return keys.status();
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::AuditTreeHead head;
        absl::Status s = (*c)->Call("GetAuditTreeHead", [&](grpc::ClientContext* ctx) {
          return (*c)->audit().GetAuditTreeHead(ctx, v1::GetAuditTreeHeadRequest(), &head);
        });
        if (!s.ok()) return s;
        CB_RETURN_IF_ERROR(CheckHead(FromProto(head), *keys, "the server's"));
        std::string text = absl::StrCat(HeadText(cli, head), "signature checked\n", note);
        if (!o->save.empty()) {
          CB_RETURN_IF_ERROR(WriteWholeFile(o->save, head.encoded() + "\n"));
          absl::StrAppend(&text, "saved to ", o->save, "\n");
        }
        cli.Emit(head, absl::StrCat(head.tree_size()), text);
        return absl::OkStatus();
      });
  cmd->add_option("--keys", o->keys, "public keys saved by 'audit keys --save'");
  cmd->add_option("--save", o->save, "write the head to this file");
}

void AddProve(CLI::App& group, Cli& cli) {
  struct Opts {
    int64_t sequence = 0, tree_size = 0;
    std::string keys;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "prove",
      "Prove that an audit event is in the log: the server sends the event, its "
      "inclusion proof and a signed tree head; this checks the signature against your "
      "keys and the proof (RFC 9162) with its own code. Exits 1 when it does not check.",
      "casebridge --as auditor.shah audit prove 1234 --keys audit-keys.txt",
      [&cli, o]() -> absl::Status {
        std::string note;
        absl::StatusOr<std::vector<verify::PublicKey>> keys = KeysFor(cli, o->keys, &note);
        if (!keys.ok()) return keys.status();
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::ProveAuditEventRequest request;
        request.set_sequence(o->sequence);
        request.set_tree_size(o->tree_size);
        v1::AuditEventProof proof;
        absl::Status s = (*c)->Call("ProveAuditEvent", [&](grpc::ClientContext* ctx) {
          return (*c)->audit().ProveAuditEvent(ctx, request, &proof);
        });
        if (!s.ok()) return s;
        const verify::TreeHead head = FromProto(proof.tree_head());
        CB_RETURN_IF_ERROR(CheckHead(head, *keys, "the proof's"));
        const std::vector<std::string> path(proof.inclusion_proof().begin(),
                                            proof.inclusion_proof().end());
        if (!verify::VerifyInclusion(verify::LeafHash(proof.entry()), o->sequence - 1,
                                     head.tree_size, path, head.root_hash)) {
          return absl::DataLossError(absl::StrCat(
              "event ", o->sequence, " is NOT proved to be in the signed tree of ",
              head.tree_size, " events: the proof does not check"));
        }
        // What is shown is read out of the entry the proof covers, never the
        // fields the server sent beside it.
        absl::StatusOr<verify::AuditEntry> e = verify::ParseAuditEntry(proof.entry());
        if (!e.ok()) return absl::DataLossError(e.status().message());
        Details d;
        d.AddAlways("Event", absl::StrCat(proof.sequence()));
        d.Add("Time", FormatLocal(absl::FromUnixMicros(e->time_micros), cli.tz));
        d.Add("Who", e->username);
        d.Add("Method", ShortMethod(e->method));
        d.Add("Case", e->case_reference);
        d.Add("Outcome", e->outcome);
        std::string text = absl::StrCat(
            d.Render(), "proved: in the signed tree of ", head.tree_size, " events (",
            FormatTimestamp(proof.tree_head().time(), cli.tz), ", key ", head.key_id,
            "); ", path.size(), " hashes checked\n", note);
        cli.Emit(proof, absl::StrCat(proof.sequence()), text);
        return absl::OkStatus();
      });
  cmd->add_option("EVENT", o->sequence, "the event's sequence number")->required();
  cmd->add_option("--tree-size", o->tree_size,
                  "prove against the signed head of this size (default: the current one)");
  cmd->add_option("--keys", o->keys, "public keys saved by 'audit keys --save'");
}

// '--since FILE': the log now extends the head saved in FILE (a consistency
// proof checked here) and the events after it verify on the server.
absl::Status CheckSince(Cli& cli, const std::string& since, const std::string& keys_file,
                        int64_t* from, std::string* text) {
  absl::StatusOr<std::string> line = ReadWholeFile(since, "--since");
  if (!line.ok()) return line.status();
  absl::StatusOr<verify::TreeHead> old_head = verify::ParseTreeHead(*line);
  if (!old_head.ok()) return WithField(UsageError(old_head.status().message()), "--since");
  std::string note;
  absl::StatusOr<std::vector<verify::PublicKey>> keys = KeysFor(cli, keys_file, &note);
  if (!keys.ok()) return keys.status();
  CB_RETURN_IF_ERROR(CheckHead(*old_head, *keys, "the saved"));
  absl::StatusOr<Client*> c = cli.client();
  if (!c.ok()) return c.status();
  v1::GetAuditConsistencyProofRequest request;
  request.set_old_size(old_head->tree_size);
  v1::AuditConsistencyProof proof;
  absl::Status s = (*c)->Call("GetAuditConsistencyProof", [&](grpc::ClientContext* ctx) {
    return (*c)->audit().GetAuditConsistencyProof(ctx, request, &proof);
  });
  if (!s.ok()) return s;
  const verify::TreeHead new_head = FromProto(proof.new_head());
  CB_RETURN_IF_ERROR(CheckHead(new_head, *keys, "the server's"));
  const std::vector<std::string> path(proof.proof().begin(), proof.proof().end());
  if (!verify::VerifyConsistency(old_head->tree_size, new_head.tree_size, old_head->root_hash,
                                 new_head.root_hash, path)) {
    return absl::DataLossError(absl::StrCat(
        "AUDIT LOG FAILED VERIFICATION: the log of ", new_head.tree_size,
        " events does not extend the head you saved (", old_head->tree_size,
        " events): history before it was rewritten or removed"));
  }
  *from = old_head->tree_size + 1;
  absl::StrAppend(text, "consistent with the saved head of ", old_head->tree_size,
                  " events (", path.size(), " hashes checked); now ", new_head.tree_size,
                  " events\n", note);
  return absl::OkStatus();
}

}  // namespace

void AddAuditCommands(CLI::App& app, Cli& cli) {
  CLI::App* group =
      AddGroup(app, "audit", "The audit log: events, who saw a case, verify.");
  AddEvents(*group, cli);
  AddWhoSaw(*group, cli);
  AddVerify(*group, cli);
  AddCheckpoint(*group, cli);
  AddKeys(*group, cli);
  AddHead(*group, cli);
  AddProve(*group, cli);
}

}  // namespace casebridge::cli
