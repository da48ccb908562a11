// casebridge charging ...: charging files to the CPS, action plans and
// charging decisions, against ChargingService
// (proto/casebridge/v1/charging.proto). Police submit and respond; the CPS
// advises, issues action plans and decides.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "casebridge/v1/charging.grpc.pb.h"
#include "clients/cli/command_support.h"
#include "clients/cli/commands.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/names.h"
#include "clients/cli/output.h"
#include "clients/cli/workflow_text.h"

namespace casebridge::cli {
namespace {

using v1::ChargingFile;

constexpr char kCollection[] = "chargingFiles";

// Offences by their section, as prosecutors say them.
const std::vector<std::pair<std::string, std::string>>& OffenceAliases() {
  static const auto* aliases = new std::vector<std::pair<std::string, std::string>>{
      {"s2", "pha_s2_harassment"},       {"s2a", "pha_s2a_stalking"},
      {"s4", "pha_s4_fear_of_violence"}, {"s4a", "pha_s4a_stalking_fear_of_violence"},
      {"spo-breach", "spo_breach"},      {"failure-to-notify", "spo_failure_to_notify"}};
  return *aliases;
}

absl::Status AddOffences(const std::vector<std::string>& args,
                         google::protobuf::RepeatedPtrField<v1::OffenceDetail>* out) {
  absl::StatusOr<std::vector<int>> offences =
      EnumListArg(v1::Offence_descriptor(), args, "--offence", OffenceAliases());
  if (!offences.ok()) return offences.status();
  for (int o : *offences) out->Add()->set_offence(static_cast<v1::Offence>(o));
  return absl::OkStatus();
}

// One action-plan item: "[80ee95b8] OPEN, due 2026-11-28 (in 7 days): CCTV
// from Hanley bus station". The id in brackets is what `charging respond`
// and `review-item` take. Only items still outstanding count days.
std::string ItemRow(const v1::ChargingActionItem& i, const v1::ChargingProgress& p,
                    absl::CivilDay today) {
  bool overdue = false, outstanding = false;
  for (const v1::ChargingActionItem& x : p.overdue_items()) {
    overdue = overdue || x.name() == i.name();
  }
  for (const v1::ChargingActionItem& x : p.outstanding_items()) {
    outstanding = outstanding || x.name() == i.name();
  }
  std::string out = absl::StrCat(
      "[", ShortId(i.name()).substr(0, 8), "] ",
      EnumName(v1::ChargingActionItemState_descriptor(), i.state()), ", due ",
      outstanding ? FormatDueIn(i.due_date(), overdue, today) : FormatDate(i.due_date()),
      ": ", i.description());
  if (!i.dispute_reason().empty()) absl::StrAppend(&out, " (disputed: ", i.dispute_reason(), ")");
  if (!i.provided().empty()) absl::StrAppend(&out, " (provided: ", i.provided(), ")");
  if (!i.review_note().empty()) absl::StrAppend(&out, " (CPS: ", i.review_note(), ")");
  return out;
}

absl::CivilDay AsOf(const v1::ChargingProgress& p, Cli& cli) {
  if (p.as_of().year() == 0) return cli.today();
  return absl::CivilDay(p.as_of().year(), p.as_of().month(), p.as_of().day());
}

// The decision and what follows it, shared by `get` and `progress`.
void AddDecision(Details& d, const v1::ChargingDecision& decision,
                 const v1::FirstHearing& first_hearing,
                 const google::protobuf::RepeatedPtrField<v1::AncillaryOrder>& ancillary,
                 const v1::VictimInformed& victim, bool has_victim) {
  if (decision.outcome() == v1::CHARGING_OUTCOME_UNSPECIFIED) return;
  d.Add("Decision", absl::StrCat(ChargingDecisionText(decision), " (",
                                 FormatDate(decision.decision_date()), ")"));
  d.Add("Rationale", decision.rationale());
  d.Add("Threshold grounds", decision.threshold_grounds());
  if (first_hearing.date().year() != 0) {
    d.Add("First hearing", absl::StrCat(FormatDate(first_hearing.date()), " at ",
                                        first_hearing.court()));
  }
  std::vector<std::string> orders;
  for (const v1::AncillaryOrder& a : ancillary) {
    orders.push_back(absl::StrCat(EnumWords(v1::AncillaryOrderKind_descriptor(), a.kind()),
                                  a.details().empty() ? "" : ": ", a.details()));
  }
  d.Add("Ancillary orders", absl::StrJoin(orders, "; "));
  d.AddAlways("Victim told",
              has_victim && victim.informed()
                  ? absl::StrCat("yes, ", FormatDate(victim.inform_date()),
                                 victim.method().empty() ? "" : " (", victim.method(),
                                 victim.method().empty() ? "" : ")")
                  : "not recorded yet ('charging follow-up --victim-told')");
}

std::string FileText(Cli& cli, const ChargingFile& f) {
  const v1::ChargingProgress& p = f.progress();
  const absl::CivilDay today = AsOf(p, cli);
  Details d;
  d.AddAlways("Charging file", f.name());
  d.Add("Case", f.case_reference());
  d.AddAlways("Kind", EnumWords(v1::ChargingFileKind_descriptor(), f.kind()));
  d.AddAlways("Urgency", EnumName(v1::ChargingUrgency_descriptor(), f.urgency()));
  d.AddAlways("State", EnumName(v1::ChargingFileState_descriptor(), f.state()));
  d.Add("Where it is", p.stage_summary());
  if (f.origin() == v1::CHARGING_ORIGIN_SPO_BREACH) {
    d.Add("Opened for", absl::StrCat("a breach of ", f.source_order()));
  }
  for (const v1::ChargingSuspect& s : f.suspects()) {
    std::string bail = EnumWords(v1::BailStatus_descriptor(), s.bail_status());
    if (s.release_date().year() != 0) {
      absl::StrAppend(&bail, ", released ", FormatDate(s.release_date()));
    }
    if (s.bail_return_date().year() != 0) {
      absl::StrAppend(&bail, ", answers bail ", FormatDate(s.bail_return_date()));
    }
    d.Add("Suspect", absl::StrCat(s.display_name().empty()
                                      ? absl::StrCat("suspect ", s.suspect_number())
                                      : s.display_name(),
                                  " (", bail, ")"));
  }
  d.Add("Proposed offences", OffenceList(f.proposed_offences(), /*long_form=*/true));
  d.Add("Summary", f.summary());
  for (const v1::ChargingAdvice& a : f.advice()) {
    d.Add("Advice",
          absl::StrCat(FormatTimestamp(a.advise_time(), cli.tz), ": ", a.advice()));
  }
  for (const v1::ChargingActionItem& i : f.action_items()) {
    d.Add("Action item", ItemRow(i, p, today));
  }
  AddDecision(d, f.decision(), f.first_hearing(), f.ancillary_orders(),
              f.victim_informed(), f.has_victim_informed());
  for (const v1::ChargingDecision& old : f.superseded_decisions()) {
    d.Add("Replaced decision", absl::StrCat(ChargingDecisionText(old), " (",
                                            FormatDate(old.decision_date()), ")"));
  }
  d.Add("Withdrawn", f.withdraw_reason());
  d.Add("Submitted", FormatTimestamp(f.create_time(), cli.tz));
  return d.Render();
}

absl::Status EmitFile(Cli& cli, const absl::StatusOr<ChargingFile>& f) {
  if (!f.ok()) return f.status();
  cli.Emit(*f, f->name(), FileText(cli, *f));
  return absl::OkStatus();
}

absl::StatusOr<ChargingFile> FetchFile(Cli& cli, const std::string& name) {
  v1::GetChargingFileRequest request;
  request.set_name(name);
  return Rpc<ChargingFile>(cli, "GetChargingFile",
                           [&](Client& c, grpc::ClientContext* ctx, ChargingFile* out) {
                             return c.charging().GetChargingFile(ctx, request, out);
                           });
}

// Every file the caller can see under `parent` (a case, or cases/-), all
// pages.
absl::StatusOr<std::vector<ChargingFile>> ListFiles(Cli& cli, const std::string& parent) {
  v1::ListChargingFilesRequest request;
  request.set_parent(parent);
  request.set_page_size(500);
  std::vector<ChargingFile> out;
  do {
    absl::StatusOr<v1::ListChargingFilesResponse> page =
        Rpc<v1::ListChargingFilesResponse>(
            cli, "ListChargingFiles",
            [&](Client& c, grpc::ClientContext* ctx, v1::ListChargingFilesResponse* out) {
              return c.charging().ListChargingFiles(ctx, request, out);
            });
    if (!page.ok()) return page.status();
    out.insert(out.end(), page->charging_files().begin(), page->charging_files().end());
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  return out;
}

// The file named in full, the one live (not withdrawn) file of a case given
// by its reference, or a file by the first characters of its id as
// `charging list` shows it.
absl::StatusOr<ChargingFile> FindFile(Cli& cli, const std::string& arg) {
  if (arg.find("/" + std::string(kCollection) + "/") != std::string::npos) {
    absl::StatusOr<std::string> name = ChildNameArg(arg, kCollection, "FILE");
    if (!name.ok()) return name.status();
    return FetchFile(cli, *name);
  }
  absl::StatusOr<std::string> case_name = CaseNameArg(arg, "FILE");
  if (case_name.ok()) {
    absl::StatusOr<std::vector<ChargingFile>> files = ListFiles(cli, *case_name);
    if (!files.ok()) return files.status();
    std::vector<const ChargingFile*> live;
    for (const ChargingFile& f : *files) {
      if (f.state() != v1::CHARGING_FILE_STATE_WITHDRAWN) live.push_back(&f);
    }
    if (live.size() == 1) return *live[0];
    if (live.empty()) {
      return absl::NotFoundError(absl::StrCat(arg, " has no charging file"));
    }
    return WithField(UsageError(absl::StrCat(arg, " has ", live.size(),
                                             " charging files; give the file's id as "
                                             "'charging list ",
                                             arg, "' shows it")),
                     "FILE");
  }
  if (arg.size() < 4 || arg.find('/') != std::string::npos) return case_name.status();
  absl::StatusOr<std::vector<ChargingFile>> files = ListFiles(cli, "cases/-");
  if (!files.ok()) return files.status();
  std::vector<const ChargingFile*> matches;
  for (const ChargingFile& f : *files) {
    if (absl::StartsWith(ShortId(f.name()), absl::AsciiStrToLower(arg))) {
      matches.push_back(&f);
    }
  }
  if (matches.size() == 1) return *matches[0];
  if (matches.empty()) return absl::NotFoundError(absl::StrCat("no charging file ", arg));
  return WithField(UsageError(absl::StrCat("\"", arg, "\" matches ", matches.size(),
                                           " files; give more of the id")),
                   "FILE");
}

// An action-plan item, named in full
// (cases/{case}/chargingFiles/{file}/actionItems/{item}) or by the first
// characters of its id as `charging get` shows it; with its file.
struct FoundItem {
  ChargingFile file;
  v1::ChargingActionItem item;
};

absl::StatusOr<FoundItem> FindItem(Cli& cli, const std::string& arg) {
  static constexpr char kItems[] = "/actionItems/";
  const size_t at = arg.find(kItems);
  std::vector<ChargingFile> files;
  if (at != std::string::npos) {
    absl::StatusOr<std::string> file_name =
        ChildNameArg(arg.substr(0, at), kCollection, "ITEM");
    if (!file_name.ok()) return file_name.status();
    absl::StatusOr<ChargingFile> file = FetchFile(cli, *file_name);
    if (!file.ok()) return file.status();
    files.push_back(*std::move(file));
  } else if (arg.size() >= 4 && arg.find('/') == std::string::npos) {
    absl::StatusOr<std::vector<ChargingFile>> all = ListFiles(cli, "cases/-");
    if (!all.ok()) return all.status();
    files = *std::move(all);
  } else {
    return WithField(UsageError("ITEM: give the item's name "
                                "(cases/{case}/chargingFiles/{file}/actionItems/{id}) "
                                "or at least 4 characters of its id as 'charging get' "
                                "shows it"),
                     "ITEM");
  }
  const std::string id = absl::AsciiStrToLower(
      at == std::string::npos ? arg : arg.substr(at + sizeof(kItems) - 1));
  std::vector<FoundItem> matches;
  for (const ChargingFile& f : files) {
    for (const v1::ChargingActionItem& i : f.action_items()) {
      const std::string item_id = ShortId(i.name());
      if (at == std::string::npos ? absl::StartsWith(item_id, id) : item_id == id) {
        matches.push_back({f, i});
      }
    }
  }
  if (matches.size() == 1) return matches[0];
  if (matches.empty()) return absl::NotFoundError(absl::StrCat("no action item ", arg));
  return WithField(UsageError(absl::StrCat("\"", arg, "\" matches ", matches.size(),
                                           " action items; give more of the id")),
                   "ITEM");
}

// What every state change of a file takes.
struct Target {
  std::string file, etag;
};

void AddTarget(CLI::App* cmd, Target* t) {
  cmd->add_option("FILE", t->file,
                  "the file (cases/{case}/chargingFiles/{id}), or the case reference "
                  "when it has one file")
      ->required();
  cmd->add_option("--etag", t->etag, "fail (exit 5) if the file changed since this etag");
}

template <typename Request>
absl::Status Change(Cli& cli, const Target& target, const char* method,
                    absl::FunctionRef<absl::Status(Request*)> fill,
                    absl::FunctionRef<grpc::Status(Client&, grpc::ClientContext*,
                                                   const Request&, ChargingFile*)>
                        rpc) {
  absl::StatusOr<ChargingFile> file = FindFile(cli, target.file);
  if (!file.ok()) return file.status();
  Request request;
  request.set_name(file->name());
  request.set_etag(target.etag.empty() ? file->etag() : target.etag);
  absl::Status filled = fill(&request);
  if (!filled.ok()) return filled;
  return EmitFile(
      cli, Rpc<ChargingFile>(cli, method,
                             [&](Client& c, grpc::ClientContext* ctx, ChargingFile* out) {
                               return rpc(c, ctx, request, out);
                             }));
}

// Suspects and offences of a submission (submit and full-file).
struct FileOptions {
  std::string kind = "full-file", urgency = "green", bail, released, bail_return,
              conditions, summary;
  std::vector<int> suspects;
  std::vector<std::string> offences;
};

void AddFileOptions(CLI::App* cmd, FileOptions* o, bool with_kind) {
  if (with_kind) {
    cmd->add_option("--kind", o->kind, "early-advice or full-file (default full-file)");
  }
  cmd->add_option("--urgency", o->urgency,
                  "red (in custody), green-priority or green (default)");
  cmd->add_option("--suspect", o->suspects,
                  "the suspect's number in the case's suspect list, 1 = first (repeat)")
      ->required()
      ->allow_extra_args(false);
  cmd->add_option("--bail", o->bail,
                  "in-custody, pre-charge-bail, released-under-investigation or "
                  "not-arrested")
      ->required();
  cmd->add_option("--released", o->released, "day released (bail or RUI)");
  cmd->add_option("--bail-return", o->bail_return, "day to answer bail");
  cmd->add_option("--bail-conditions", o->conditions, "bail conditions");
  cmd->add_option(
         "--offence", o->offences,
         "proposed offence: s2, s2a, s4, s4a, spo-breach, failure-to-notify (repeat)")
      ->required()
      ->allow_extra_args(false);
  cmd->add_option("--summary", o->summary, "the case and evidence summary (MG3)")
      ->required();
}

absl::Status FillFile(Cli& cli, const FileOptions& o, bool with_kind, ChargingFile* f) {
  if (with_kind) {
    absl::StatusOr<int> kind =
        EnumArg(v1::ChargingFileKind_descriptor(), o.kind, "--kind");
    if (!kind.ok()) return kind.status();
    f->set_kind(static_cast<v1::ChargingFileKind>(*kind));
  }
  absl::StatusOr<int> urgency =
      EnumArg(v1::ChargingUrgency_descriptor(), o.urgency, "--urgency");
  if (!urgency.ok()) return urgency.status();
  f->set_urgency(static_cast<v1::ChargingUrgency>(*urgency));
  absl::StatusOr<int> bail = EnumArg(v1::BailStatus_descriptor(), o.bail, "--bail");
  if (!bail.ok()) return bail.status();
  for (int n : o.suspects) {
    v1::ChargingSuspect* s = f->add_suspects();
    s->set_suspect_number(n);
    s->set_bail_status(static_cast<v1::BailStatus>(*bail));
    if (!o.released.empty()) {
      absl::StatusOr<v1::Date> d = cli.Day(o.released, "--released");
      if (!d.ok()) return d.status();
      *s->mutable_release_date() = *d;
    }
    if (!o.bail_return.empty()) {
      absl::StatusOr<v1::Date> d = cli.Day(o.bail_return, "--bail-return");
      if (!d.ok()) return d.status();
      *s->mutable_bail_return_date() = *d;
    }
    s->set_bail_conditions(o.conditions);
  }
  absl::Status offences = AddOffences(o.offences, f->mutable_proposed_offences());
  if (!offences.ok()) return offences;
  f->set_summary(o.summary);
  return absl::OkStatus();
}

// ---- commands -------------------------------------------------------------

void AddSubmit(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string case_arg, request_id;
    FileOptions file;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "submit",
      "Refer a case to the CPS for a charging decision (or early advice). Shares the "
      "prosecution view of the case with the CPS.",
      "casebridge --as pc.hughes charging submit SP-2026-000123 --suspect 1 --bail "
      "released-under-investigation --released yesterday --offence s4a --summary "
      "\"Course of conduct since October; threats on 20 November\"",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<std::string> name = CaseNameArg(o->case_arg, "CASE");
        if (!name.ok()) return name.status();
        v1::SubmitChargingFileRequest request;
        request.set_parent(*name);
        request.set_request_id(o->request_id);
        absl::Status filled =
            FillFile(cli, o->file, true, request.mutable_charging_file());
        if (!filled.ok()) return filled;
        return EmitFile(cli,
                        Rpc<ChargingFile>(
                            cli, "SubmitChargingFile",
                            [&](Client& c, grpc::ClientContext* ctx, ChargingFile* out) {
                              return c.charging().SubmitChargingFile(ctx, request, out);
                            }));
      });
  cmd->add_option("CASE", o->case_arg, "case reference or name")->required();
  AddFileOptions(cmd, &o->file, true);
  cmd->add_option("--request-id", o->request_id,
                  "retrying with the same id submits once");
}

void AddGet(CLI::App& group, Cli& cli) {
  auto file = std::make_shared<std::string>();
  CLI::App* cmd = AddCommand(
      group, cli, "get", "Show a charging file: advice, action items, decision.",
      "casebridge --as cps.okafor charging get SP-2026-000123",
      [&cli, file]() -> absl::Status { return EmitFile(cli, FindFile(cli, *file)); });
  cmd->add_option("FILE", *file,
                  "the file's name, its id as listed, or the case reference")
      ->required();
}

void AddProgress(CLI::App& group, Cli& cli) {
  auto file = std::make_shared<std::string>();
  CLI::App* cmd = AddCommand(
      group, cli, "progress",
      "Where a file is, what is outstanding and overdue, what was decided and why, the "
      "first hearing, ancillary orders sought and whether the victim was told.",
      "casebridge --as cps.okafor charging progress SP-2026-000123",
      [&cli, file]() -> absl::Status {
        absl::StatusOr<ChargingFile> f = FindFile(cli, *file);
        if (!f.ok()) return f.status();
        v1::GetChargingProgressRequest request;
        request.set_name(f->name());
        absl::StatusOr<v1::ChargingProgress> p = Rpc<v1::ChargingProgress>(
            cli, "GetChargingProgress",
            [&](Client& c, grpc::ClientContext* ctx, v1::ChargingProgress* out) {
              return c.charging().GetChargingProgress(ctx, request, out);
            });
        if (!p.ok()) return p.status();
        const absl::CivilDay today = AsOf(*p, cli);
        Details d;
        d.AddAlways("Charging file", p->name());
        d.Add("Case", p->case_reference());
        d.AddAlways("Stage", EnumName(v1::ChargingStage_descriptor(), p->stage()));
        d.Add("Where it is", p->stage_summary());
        d.AddAlways("Urgency", EnumName(v1::ChargingUrgency_descriptor(), p->urgency()));
        d.AddAlways("Submitted", p->days_since_submission() == 0
                                     ? "today"
                                     : absl::StrCat(p->days_since_submission(),
                                                    p->days_since_submission() == 1
                                                        ? " day ago"
                                                        : " days ago"));
        d.AddAlways("Outstanding items", ChargingItemsCell(*p));
        for (const v1::ChargingActionItem& i : p->outstanding_items()) {
          d.Add("Item", ItemRow(i, *p, today));
        }
        if (p->threshold_review_by().year() != 0) {
          d.Add("Full Code review by",
                FormatDueIn(p->threshold_review_by(), p->threshold_review_overdue(), today));
        }
        AddDecision(d, p->decision(), p->first_hearing(), p->ancillary_orders(),
                    p->victim_informed(), p->has_victim_informed());
        cli.Emit(*p, p->name(), d.Render());
        return absl::OkStatus();
      });
  cmd->add_option("FILE", *file,
                  "the file's name, its id as listed, or the case reference")
      ->required();
}

void AddList(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string case_arg, state, urgency;
    bool awaiting = false, overdue = false, review_due = false;
    Paging paging;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "list",
      "Charging files you can see, most urgent first (RED, GREEN_PRIORITY, GREEN), "
      "then oldest: the prosecutor's queue. Shows the stage, outstanding and overdue "
      "action items, what falls due next and what was decided.",
      "casebridge --as cps.okafor charging list --awaiting-decision",
      [&cli, o]() -> absl::Status {
        v1::ListChargingFilesRequest request;
        request.set_parent("cases/-");
        if (!o->case_arg.empty()) {
          absl::StatusOr<std::string> name = CaseNameArg(o->case_arg, "CASE");
          if (!name.ok()) return name.status();
          request.set_parent(*name);
        }
        std::vector<std::string> terms;
        if (!o->state.empty()) {
          absl::StatusOr<int> s =
              EnumArg(v1::ChargingFileState_descriptor(), o->state, "--state");
          if (!s.ok()) return s.status();
          terms.push_back("state=" + EnumName(v1::ChargingFileState_descriptor(), *s));
        }
        if (!o->urgency.empty()) {
          absl::StatusOr<int> u =
              EnumArg(v1::ChargingUrgency_descriptor(), o->urgency, "--urgency");
          if (!u.ok()) return u.status();
          terms.push_back("urgency=" + EnumName(v1::ChargingUrgency_descriptor(), *u));
        }
        if (o->awaiting) terms.push_back("awaiting_decision=true");
        if (o->overdue) terms.push_back("action_plan_overdue=true");
        if (o->review_due) terms.push_back("threshold_review_due=true");
        request.set_filter(absl::StrJoin(terms, " AND "));
        request.set_page_size(o->paging.page_size);
        request.set_page_token(o->paging.page_token);
        absl::StatusOr<v1::ListChargingFilesResponse> response =
            Rpc<v1::ListChargingFilesResponse>(cli, "ListChargingFiles",
                                               [&](Client& c, grpc::ClientContext* ctx,
                                                   v1::ListChargingFilesResponse* out) {
                                                 return c.charging().ListChargingFiles(
                                                     ctx, request, out);
                                               });
        if (!response.ok()) return response.status();
        // Most urgent first, then oldest (the server's order): the prosecutor's
        // queue. DUE is what falls due next; OUTCOME what was decided.
        Table t({"CASE", "FILE", "URGENCY", "STAGE", "DAYS", "ITEMS", "NEXT DUE",
                 "OUTCOME"});
        t.SetMaxWidth(7, 70);
        std::vector<std::string> names;
        for (const ChargingFile& f : response->charging_files()) {
          const v1::ChargingProgress& p = f.progress();
          t.AddRow({f.case_reference(), ShortId(f.name()).substr(0, 8),
                    EnumName(v1::ChargingUrgency_descriptor(), f.urgency()),
                    EnumName(v1::ChargingStage_descriptor(), p.stage()),
                    absl::StrCat(p.days_since_submission()), ChargingItemsCell(p),
                    ChargingNextDueCell(p), ChargingOutcomeCell(f)});
          names.push_back(f.name());
        }
        cli.EmitList(*response, names, t, "no charging files",
                     response->next_page_token());
        return absl::OkStatus();
      });
  cmd->add_option("CASE", o->case_arg, "only this case's files");
  cmd->add_option("--state", o->state, "e.g. submitted, action-plan-issued, decided");
  cmd->add_option("--urgency", o->urgency, "red, green-priority or green");
  cmd->add_flag("--awaiting-decision", o->awaiting, "full files with the CPS, undecided");
  cmd->add_flag("--overdue", o->overdue, "an action item is overdue");
  cmd->add_flag("--threshold-review-due", o->review_due,
                "Threshold decisions due for review within 7 days");
  AddPaging(cmd, &o->paging);
}

void AddFullFile(CLI::App& group, Cli& cli) {
  struct Opts {
    Target target;
    FileOptions file;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "full-file",
      "Turn an early-advice request into the full file for a decision.",
      "casebridge --as pc.hughes charging full-file SP-2026-000123 --suspect 1 --bail "
      "released-under-investigation --released yesterday --offence s4a",
      [&cli, o]() -> absl::Status {
        return Change<v1::SubmitFullFileRequest>(
            cli, o->target, "SubmitFullFile",
            [&](v1::SubmitFullFileRequest* r) {
              return FillFile(cli, o->file, false, r->mutable_charging_file());
            },
            [](Client& c, grpc::ClientContext* ctx, const v1::SubmitFullFileRequest& r,
               ChargingFile* out) { return c.charging().SubmitFullFile(ctx, r, out); });
      });
  AddTarget(cmd, &o->target);
  AddFileOptions(cmd, &o->file, false);
}

void AddAdvice(CLI::App& group, Cli& cli) {
  struct Opts {
    Target target;
    std::string advice;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "advice", "CPS: record advice on a file.",
      "casebridge --as cps.okafor charging advice SP-2026-000123 --advice \"Obtain the "
      "phone download before interview\"",
      [&cli, o]() -> absl::Status {
        return Change<v1::RecordAdviceRequest>(
            cli, o->target, "RecordAdvice",
            [&](v1::RecordAdviceRequest* r) {
              r->set_advice(o->advice);
              return absl::OkStatus();
            },
            [](Client& c, grpc::ClientContext* ctx, const v1::RecordAdviceRequest& r,
               ChargingFile* out) { return c.charging().RecordAdvice(ctx, r, out); });
      });
  AddTarget(cmd, &o->target);
  cmd->add_option("--advice", o->advice, "the advice")->required();
}

void AddActionPlan(CLI::App& group, Cli& cli) {
  struct Opts {
    Target target;
    std::vector<std::string> items;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "action-plan",
      "CPS: return an action plan of further evidence, each item \"DUE: what is "
      "needed\". With -o name, prints the new items' names.",
      "casebridge --as cps.okafor charging action-plan SP-2026-000123 --item \"in 7 "
      "days: CCTV from Hanley bus station\"",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<ChargingFile> file = FindFile(cli, o->target.file);
        if (!file.ok()) return file.status();
        v1::IssueActionPlanRequest request;
        request.set_name(file->name());
        request.set_etag(o->target.etag.empty() ? file->etag() : o->target.etag);
        for (const std::string& spec : o->items) {
          size_t colon = spec.find(':');
          if (colon == std::string::npos) {
            return WithField(UsageError("--item: write \"DUE: what is needed\", e.g. "
                                        "\"in 7 days: CCTV from the bus station\""),
                             "--item");
          }
          absl::StatusOr<v1::Date> due = cli.Day(spec.substr(0, colon), "--item");
          if (!due.ok()) return due.status();
          v1::ChargingActionItem* item = request.add_items();
          *item->mutable_due_date() = *due;
          item->set_description(
              std::string(absl::StripAsciiWhitespace(spec.substr(colon + 1))));
        }
        absl::StatusOr<ChargingFile> updated = Rpc<ChargingFile>(
            cli, "IssueActionPlan",
            [&](Client& c, grpc::ClientContext* ctx, ChargingFile* out) {
              return c.charging().IssueActionPlan(ctx, request, out);
            });
        if (!updated.ok()) return updated.status();
        if (cli.format() == OutputFormat::kName) {
          std::set<std::string> before;
          for (const v1::ChargingActionItem& i : file->action_items())
            before.insert(i.name());
          for (const v1::ChargingActionItem& i : updated->action_items()) {
            if (before.count(i.name()) == 0) cli.out() << i.name() << "\n";
          }
          return absl::OkStatus();
        }
        return EmitFile(cli, updated);
      });
  AddTarget(cmd, &o->target);
  cmd->add_option("--item", o->items, "\"DUE: what is needed\" (repeat)")
      ->required()
      ->allow_extra_args(false);
}

void AddRespond(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string item, etag, dispute, complete;
    bool accept = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "respond",
      "Police: accept, dispute (with the reason) or complete (with what was provided) "
      "an action-plan item.",
      "casebridge --as pc.hughes charging respond 80ee95b8 --complete \"CCTV exhibit "
      "DH/1 uploaded\"",
      [&cli, o]() -> absl::Status {
        if (o->accept + !o->dispute.empty() + !o->complete.empty() != 1) {
          return WithField(UsageError("give one of --accept, --dispute or --complete"),
                           "--accept");
        }
        absl::StatusOr<FoundItem> found = FindItem(cli, o->item);
        if (!found.ok()) return found.status();
        v1::RespondToActionItemRequest request;
        request.set_name(found->item.name());
        request.set_response(o->accept ? v1::CHARGING_ACTION_ITEM_RESPONSE_ACCEPT
                             : o->dispute.empty()
                                 ? v1::CHARGING_ACTION_ITEM_RESPONSE_COMPLETE
                                 : v1::CHARGING_ACTION_ITEM_RESPONSE_DISPUTE);
        request.set_reason(o->dispute);
        request.set_provided(o->complete);
        request.set_etag(o->etag.empty() ? found->item.etag() : o->etag);
        return EmitFile(cli,
                        Rpc<ChargingFile>(
                            cli, "RespondToActionItem",
                            [&](Client& c, grpc::ClientContext* ctx, ChargingFile* out) {
                              return c.charging().RespondToActionItem(ctx, request, out);
                            }));
      });
  cmd->add_option("ITEM", o->item,
                  "the item's name, or the first characters of its id as 'charging get' "
                  "shows it ([80ee95b8])")
      ->required();
  cmd->add_flag("--accept", o->accept, "police will provide it");
  cmd->add_option("--dispute", o->dispute, "dispute it, with the reason");
  cmd->add_option("--complete", o->complete, "provided: say what");
  cmd->add_option("--etag", o->etag, "the item's etag");
}

void AddReviewItem(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string item, etag, note, due;
    bool withdraw = false, reaffirm = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "review-item",
      "CPS: settle a disputed item: --withdraw it or --reaffirm it (optionally with a "
      "new --due date).",
      "casebridge --as cps.okafor charging review-item 80ee95b8 --withdraw --note "
      "\"Covered by the phone download\"",
      [&cli, o]() -> absl::Status {
        if (o->withdraw == o->reaffirm) {
          return WithField(UsageError("give one of --withdraw or --reaffirm"),
                           "--withdraw");
        }
        absl::StatusOr<FoundItem> found = FindItem(cli, o->item);
        if (!found.ok()) return found.status();
        v1::ReviewActionItemRequest request;
        request.set_name(found->item.name());
        request.set_review(o->withdraw ? v1::CHARGING_ACTION_ITEM_REVIEW_WITHDRAW
                                       : v1::CHARGING_ACTION_ITEM_REVIEW_REAFFIRM);
        request.set_note(o->note);
        if (!o->due.empty()) {
          absl::StatusOr<v1::Date> due = cli.Day(o->due, "--due");
          if (!due.ok()) return due.status();
          *request.mutable_due_date() = *due;
        }
        request.set_etag(o->etag.empty() ? found->item.etag() : o->etag);
        return EmitFile(cli,
                        Rpc<ChargingFile>(
                            cli, "ReviewActionItem",
                            [&](Client& c, grpc::ClientContext* ctx, ChargingFile* out) {
                              return c.charging().ReviewActionItem(ctx, request, out);
                            }));
      });
  cmd->add_option("ITEM", o->item,
                  "the item's name, or the first characters of its id as 'charging get' "
                  "shows it ([80ee95b8])")
      ->required();
  cmd->add_flag("--withdraw", o->withdraw, "no longer needed");
  cmd->add_flag("--reaffirm", o->reaffirm, "still needed");
  cmd->add_option("--note", o->note, "why")->required();
  cmd->add_option("--due", o->due, "reaffirm: a new due date");
  cmd->add_option("--etag", o->etag, "the item's etag");
}

// Follow-up details a decision may carry (decide and follow-up).
struct FollowUp {
  std::string hearing, restraining, other, told, how;
  bool spo_reminder = false;
};

void AddFollowUpOptions(CLI::App* cmd, FollowUp* o) {
  cmd->add_option(
      "--first-hearing", o->hearing,
      "\"DATE @ COURT\", e.g. \"in 14 days @ North Staffordshire Justice Centre\"");
  cmd->add_option("--restraining-order", o->restraining,
                  "a restraining order is sought: its terms");
  cmd->add_flag("--spo-reminder", o->spo_reminder,
                "the CPS reminded police to consider an SPO");
  cmd->add_option("--other-order", o->other, "another ancillary order sought");
  cmd->add_option("--victim-told", o->told, "day the victim was told of the decision");
  cmd->add_option("--how", o->how, "how the victim was told");
}

// Fills the follow-up fields; returns the update_mask paths they set.
template <typename Request>
absl::StatusOr<std::vector<std::string>> FillFollowUp(Cli& cli, const FollowUp& o,
                                                      Request* r) {
  std::vector<std::string> paths;
  if (!o.hearing.empty()) {
    size_t at = o.hearing.find('@');
    if (at == std::string::npos) {
      return WithField(UsageError("--first-hearing: write \"DATE @ COURT\""),
                       "--first-hearing");
    }
    absl::StatusOr<v1::Date> date = cli.Day(o.hearing.substr(0, at), "--first-hearing");
    if (!date.ok()) return date.status();
    *r->mutable_first_hearing()->mutable_date() = *date;
    r->mutable_first_hearing()->set_court(
        std::string(absl::StripAsciiWhitespace(o.hearing.substr(at + 1))));
    paths.push_back("first_hearing");
  }
  if (!o.restraining.empty()) {
    v1::AncillaryOrder* a = r->add_ancillary_orders();
    a->set_kind(v1::ANCILLARY_ORDER_KIND_RESTRAINING_ORDER);
    a->set_details(o.restraining);
  }
  if (o.spo_reminder)
    r->add_ancillary_orders()->set_kind(v1::ANCILLARY_ORDER_KIND_SPO_REMINDER);
  if (!o.other.empty()) {
    v1::AncillaryOrder* a = r->add_ancillary_orders();
    a->set_kind(v1::ANCILLARY_ORDER_KIND_OTHER);
    a->set_details(o.other);
  }
  if (r->ancillary_orders_size() > 0) paths.push_back("ancillary_orders");
  if (!o.told.empty()) {
    absl::StatusOr<v1::Date> date = cli.Day(o.told, "--victim-told");
    if (!date.ok()) return date.status();
    r->mutable_victim_informed()->set_informed(true);
    *r->mutable_victim_informed()->mutable_inform_date() = *date;
    r->mutable_victim_informed()->set_method(o.how);
    paths.push_back("victim_informed");
  }
  return paths;
}

void AddDecide(CLI::App& group, Cli& cli) {
  struct Opts {
    Target target;
    std::vector<std::string> charge, disposal_offences;
    std::string nfa, disposal, test = "full-code", rationale, date = "today", grounds,
                               review_by;
    FollowUp follow_up;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "decide",
      "CPS: the charging decision. --charge OFFENCE (repeat), --nfa evidential|public-"
      "interest, or --out-of-court DETAILS with --offence; Full Code Test unless "
      "--test threshold (then --threshold-grounds and --review-by).",
      "casebridge --as cps.okafor charging decide SP-2026-000123 --charge s4a "
      "--rationale \"Full Code Test met\" --first-hearing \"in 14 days @ North "
      "Staffordshire Justice Centre\" --restraining-order \"No contact with Alex "
      "Morgan\"",
      [&cli, o]() -> absl::Status {
        return Change<v1::RecordDecisionRequest>(
            cli, o->target, "RecordDecision",
            [&](v1::RecordDecisionRequest* r) -> absl::Status {
              v1::ChargingDecision* d = r->mutable_decision();
              int outcomes = !o->charge.empty() + !o->nfa.empty() + !o->disposal.empty();
              if (outcomes != 1) {
                return WithField(
                    UsageError("give one of --charge, --nfa or --out-of-court"),
                    "--charge");
              }
              absl::StatusOr<int> test =
                  EnumArg(v1::ChargingTest_descriptor(), o->test, "--test");
              if (!test.ok()) return test.status();
              d->set_test(static_cast<v1::ChargingTest>(*test));
              if (!o->charge.empty()) {
                d->set_outcome(v1::CHARGING_OUTCOME_CHARGE);
                absl::Status s = AddOffences(o->charge, d->mutable_offences());
                if (!s.ok()) return s;
              } else if (!o->nfa.empty()) {
                d->set_outcome(v1::CHARGING_OUTCOME_NO_FURTHER_ACTION);
                absl::StatusOr<int> reason =
                    EnumArg(v1::NfaReason_descriptor(), o->nfa, "--nfa");
                if (!reason.ok()) return reason.status();
                d->set_nfa_reason(static_cast<v1::NfaReason>(*reason));
              } else {
                d->set_outcome(v1::CHARGING_OUTCOME_OUT_OF_COURT_DISPOSAL);
                d->set_disposal_details(o->disposal);
                absl::Status s = AddOffences(o->disposal_offences, d->mutable_offences());
                if (!s.ok()) return s;
              }
              d->set_rationale(o->rationale);
              absl::StatusOr<v1::Date> date = cli.Day(o->date, "--date");
              if (!date.ok()) return date.status();
              *d->mutable_decision_date() = *date;
              d->set_threshold_grounds(o->grounds);
              if (!o->review_by.empty()) {
                absl::StatusOr<v1::Date> by = cli.Day(o->review_by, "--review-by");
                if (!by.ok()) return by.status();
                *d->mutable_threshold_review_by() = *by;
              }
              absl::StatusOr<std::vector<std::string>> follow =
                  FillFollowUp(cli, o->follow_up, r);
              return follow.status();
            },
            [](Client& c, grpc::ClientContext* ctx, const v1::RecordDecisionRequest& r,
               ChargingFile* out) { return c.charging().RecordDecision(ctx, r, out); });
      });
  AddTarget(cmd, &o->target);
  cmd->add_option("--charge", o->charge,
                  "charge this offence (repeat): s2, s2a, s4, s4a, ...")
      ->allow_extra_args(false);
  cmd->add_option("--nfa", o->nfa, "no further action: evidential or public-interest");
  cmd->add_option("--out-of-court", o->disposal,
                  "out-of-court disposal: which, conditions");
  cmd->add_option("--offence", o->disposal_offences,
                  "offence an out-of-court disposal is for")
      ->allow_extra_args(false);
  cmd->add_option("--test", o->test, "full-code (default) or threshold");
  cmd->add_option("--rationale", o->rationale, "why")->required();
  cmd->add_option("--date", o->date, "day decided (default today)");
  cmd->add_option("--threshold-grounds", o->grounds,
                  "Threshold Test: why the suspect is a substantial bail risk");
  cmd->add_option("--review-by", o->review_by,
                  "Threshold Test: the Full Code Test must replace it by then");
  AddFollowUpOptions(cmd, &o->follow_up);
}

void AddReviewThreshold(CLI::App& group, Cli& cli) {
  struct Opts {
    Target target;
    std::string note, next;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "review-threshold",
      "CPS: an interim review that keeps a Threshold decision in force until a new date.",
      "casebridge --as cps.okafor charging review-threshold SP-2026-000123 --note "
      "\"Phone download awaited\" --next \"in 14 days\"",
      [&cli, o]() -> absl::Status {
        return Change<v1::ReviewThresholdDecisionRequest>(
            cli, o->target, "ReviewThresholdDecision",
            [&](v1::ReviewThresholdDecisionRequest* r) -> absl::Status {
              r->set_note(o->note);
              absl::StatusOr<v1::Date> next = cli.Day(o->next, "--next");
              if (!next.ok()) return next.status();
              *r->mutable_next_review_by() = *next;
              return absl::OkStatus();
            },
            [](Client& c, grpc::ClientContext* ctx,
               const v1::ReviewThresholdDecisionRequest& r, ChargingFile* out) {
              return c.charging().ReviewThresholdDecision(ctx, r, out);
            });
      });
  AddTarget(cmd, &o->target);
  cmd->add_option("--note", o->note, "what was reviewed")->required();
  cmd->add_option("--next", o->next, "the next review-by date")->required();
}

void AddFollowUp(CLI::App& group, Cli& cli) {
  struct Opts {
    Target target;
    FollowUp follow_up;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "follow-up",
      "CPS: after a decision, record the first hearing, ancillary orders sought (the "
      "list given replaces the old one) and whether the victim was told.",
      "casebridge --as cps.okafor charging follow-up SP-2026-000123 --victim-told today "
      "--how \"phone call by the OIC\"",
      [&cli, o]() -> absl::Status {
        return Change<v1::RecordDecisionFollowUpRequest>(
            cli, o->target, "RecordDecisionFollowUp",
            [&](v1::RecordDecisionFollowUpRequest* r) -> absl::Status {
              absl::StatusOr<std::vector<std::string>> paths =
                  FillFollowUp(cli, o->follow_up, r);
              if (!paths.ok()) return paths.status();
              if (paths->empty()) return UsageError("nothing to record");
              for (const std::string& p : *paths) r->mutable_update_mask()->add_paths(p);
              return absl::OkStatus();
            },
            [](Client& c, grpc::ClientContext* ctx,
               const v1::RecordDecisionFollowUpRequest& r, ChargingFile* out) {
              return c.charging().RecordDecisionFollowUp(ctx, r, out);
            });
      });
  AddTarget(cmd, &o->target);
  AddFollowUpOptions(cmd, &o->follow_up);
}

void AddWithdraw(CLI::App& group, Cli& cli) {
  struct Opts {
    Target target;
    std::string reason;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "withdraw", "Police: withdraw a file before any decision.",
      "casebridge --as pc.hughes charging withdraw SP-2026-000123 --reason \"Suspect "
      "died\"",
      [&cli, o]() -> absl::Status {
        return Change<v1::WithdrawChargingFileRequest>(
            cli, o->target, "WithdrawChargingFile",
            [&](v1::WithdrawChargingFileRequest* r) {
              r->set_reason(o->reason);
              return absl::OkStatus();
            },
            [](Client& c, grpc::ClientContext* ctx,
               const v1::WithdrawChargingFileRequest& r, ChargingFile* out) {
              return c.charging().WithdrawChargingFile(ctx, r, out);
            });
      });
  AddTarget(cmd, &o->target);
  cmd->add_option("--reason", o->reason, "why")->required();
}

}  // namespace

void AddChargingCommands(CLI::App& app, Cli& cli) {
  CLI::App* group = AddGroup(
      app, "charging", "Charging files to the CPS: advice, action plans, decisions.");
  AddSubmit(*group, cli);
  AddGet(*group, cli);
  AddProgress(*group, cli);
  AddList(*group, cli);
  AddFullFile(*group, cli);
  AddAdvice(*group, cli);
  AddActionPlan(*group, cli);
  AddRespond(*group, cli);
  AddReviewItem(*group, cli);
  AddDecide(*group, cli);
  AddReviewThreshold(*group, cli);
  AddFollowUp(*group, cli);
  AddWithdraw(*group, cli);
}

}  // namespace casebridge::cli
