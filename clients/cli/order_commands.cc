// casebridge order ...: Stalking Protection Orders (Stalking Protection Act
// 2019), from consideration to the order's end, against
// ProtectionOrderService (proto/casebridge/v1/protection_orders.proto).
// Police of the owning force change orders; the CPS reads them; partners
// read the terms of orders in force (the safeguarding view).
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "casebridge/v1/protection_orders.grpc.pb.h"
#include "clients/cli/command_support.h"
#include "clients/cli/commands.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/names.h"
#include "clients/cli/output.h"
#include "clients/cli/workflow_text.h"
#include "domain/validation.h"

namespace casebridge::cli {
namespace {

using v1::ProtectionOrder;

constexpr char kCollection[] = "protectionOrders";

// The zone of a term, after "; zone:": "[N m of] home|workplace|school" (a
// protected place, named by what it is: never type a restricted address) or
// "[N m of] AREA IN WORDS".
absl::Status SetZone(absl::string_view zone, v1::GeographicLimit* g) {
  zone = absl::StripAsciiWhitespace(zone);
  const size_t of = zone.find(" of ");
  if (of != absl::string_view::npos) {
    absl::string_view distance = absl::StripAsciiWhitespace(zone.substr(0, of));
    for (absl::string_view unit : {"metres", "meters", "m"}) {
      if (absl::ConsumeSuffix(&distance, unit)) break;
    }
    int metres = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(distance), &metres)) {
      g->set_distance_metres(metres);
      zone = absl::StripAsciiWhitespace(zone.substr(of + 4));
    }
  }
  const std::string place = absl::AsciiStrToLower(zone);
  if (place == "home" || place == "the protected person's home") {
    g->set_place(v1::PROTECTED_PLACE_HOME);
  } else if (place == "workplace" || place == "the protected person's workplace") {
    g->set_place(v1::PROTECTED_PLACE_WORKPLACE);
  } else if (place == "school" || place == "nursery") {
    g->set_place(v1::PROTECTED_PLACE_SCHOOL);
  } else {
    g->set_area(std::string(zone));
  }
  if (g->area().empty() && g->place() == v1::PROTECTED_PLACE_UNSPECIFIED) {
    return WithField(UsageError("--term: after \"; zone:\" give \"100 m of home\" or an "
                                "area in words"),
                     "--term");
  }
  return absl::OkStatus();
}

// "prohibition: Not to contact Alex Morgan" / "requirement: Attend a
// programme"; without a kind, a prohibition. "...; zone: 100 m of home"
// adds where it applies (SetZone).
absl::Status AddTerms(const std::vector<std::string>& specs,
                      google::protobuf::RepeatedPtrField<v1::OrderTerm>* terms) {
  for (const std::string& spec : specs) {
    v1::OrderTerm* t = terms->Add();
    absl::string_view text = spec;
    if (const size_t zone = text.find("; zone:"); zone != absl::string_view::npos) {
      if (absl::Status s = SetZone(text.substr(zone + 7), t->mutable_geographic_limit());
          !s.ok()) {
        return s;
      }
      text = text.substr(0, zone);
    }
    t->set_kind(v1::ORDER_TERM_KIND_PROHIBITION);
    size_t colon = text.find(':');
    if (colon != absl::string_view::npos) {
      std::string kind =
          absl::AsciiStrToLower(absl::StripAsciiWhitespace(text.substr(0, colon)));
      if (kind == "requirement" || kind == "prohibition") {
        t->set_kind(kind == "requirement" ? v1::ORDER_TERM_KIND_REQUIREMENT
                                          : v1::ORDER_TERM_KIND_PROHIBITION);
        text = text.substr(colon + 1);
      }
    }
    t->set_text(std::string(absl::StripAsciiWhitespace(text)));
    if (t->text().empty()) {
      return WithField(UsageError("--term: give the term's text, e.g. \"prohibition: "
                                  "Not to contact Alex Morgan\""),
                       "--term");
    }
  }
  return absl::OkStatus();
}

// Options shared by commands that set terms and a duration.
struct TermOptions {
  std::vector<std::string> terms;
  std::string until;
  bool until_further_order = false;
};

void AddTermOptions(CLI::App* cmd, TermOptions* o) {
  cmd->add_option("--term", o->terms,
                  "a term: \"prohibition: TEXT\" or \"requirement: TEXT\", optionally "
                  "\"; zone: 100 m of home\" (a protected place: home, workplace, school) "
                  "or \"; zone: AREA\" (repeat)")
      ->allow_extra_args(false);
  cmd->add_option("--until", o->until, "last day in force: 2028-11-20, \"in 8 weeks\"");
  cmd->add_flag("--until-further-order", o->until_further_order,
                "full orders: in force until further order");
}

// Sets `duration` from --until / --until-further-order; false if neither.
absl::StatusOr<bool> SetDuration(Cli& cli, const TermOptions& o,
                                 v1::OrderDuration* duration) {
  if (!o.until.empty() && o.until_further_order) {
    return WithField(UsageError("give --until or --until-further-order, not both"),
                     "--until");
  }
  if (o.until_further_order) {
    duration->set_until_further_order(true);
    return true;
  }
  if (o.until.empty()) return false;
  absl::StatusOr<v1::Date> end = cli.Day(o.until, "--until");
  if (!end.ok()) return end.status();
  *duration->mutable_end_date() = *end;
  return true;
}

// The terms and duration of a request with `terms` and `duration` fields;
// the duration stays unset when neither option is given.
template <typename Request>
absl::Status SetTermsAndDuration(Cli& cli, const TermOptions& o, Request* r) {
  absl::Status terms = AddTerms(o.terms, r->mutable_terms());
  if (!terms.ok()) return terms;
  absl::StatusOr<bool> d = SetDuration(cli, o, r->mutable_duration());
  if (!d.ok()) return d.status();
  if (!*d) r->clear_duration();
  return absl::OkStatus();
}

std::string TermsText(const google::protobuf::RepeatedPtrField<v1::OrderTerm>& terms) {
  std::vector<std::string> out;
  for (const v1::OrderTerm& t : terms) out.push_back(OrderTermText(t));
  return absl::StrJoin(out, "; ");
}

// The last day an ended order had effect: its end_time is the end of that
// day.
std::string LastDay(const google::protobuf::Timestamp& end_time, absl::TimeZone tz) {
  absl::Time end = absl::FromUnixSeconds(end_time.seconds()) - absl::Seconds(1);
  return absl::FormatCivilTime(absl::CivilDay(tz.At(end).cs));
}

std::string InForceText(Cli& cli, const ProtectionOrder& o) {
  if (o.active()) {
    std::string until = OrderDurationText(o.duration());
    return until.empty() ? "yes" : absl::StrCat("yes, ", until);
  }
  if (o.has_end_time() && o.made_date().year() != 0) {
    return absl::StrCat("no: ended ", LastDay(o.end_time(), cli.tz));
  }
  return "no";
}

// The last day in force for a table: the date, "further order", or the
// duration sought (in brackets) before the order is made.
std::string UntilCell(const ProtectionOrder& o) {
  const v1::OrderDuration& d = o.terms_size() > 0 ? o.duration() : o.proposed_duration();
  std::string text = d.until_further_order() ? "further order"
                     : d.has_end_date()      ? FormatDate(d.end_date())
                                             : "";
  if (o.terms_size() == 0 && !text.empty()) return absl::StrCat("(", text, ")");
  return text;
}

std::string PartyWords(v1::OrderParty party) {
  return party == v1::ORDER_PARTY_DEFENDANT ? "the defendant" : "the police";
}

std::string OrderText(Cli& cli, const ProtectionOrder& o) {
  const bool partner = IsSafeguardingView(o);
  Details d;
  d.AddAlways("Order", o.name());
  d.AddAlways("Kind", EnumName(v1::ProtectionOrderKind_descriptor(), o.kind()));
  if (!partner) {
    d.AddAlways("Status", EnumName(v1::ProtectionOrderStatus_descriptor(), o.status()));
  }
  d.AddAlways("In force", InForceText(cli, o));
  d.Add("Main order", o.main_order());
  for (const std::string& interim : o.interim_orders()) d.Add("Interim order", interim);
  d.Add("Defendant", o.defendant());
  d.Add("Protects", Join({o.protected_persons().begin(), o.protected_persons().end()}));
  d.Add("Consideration", o.consideration_notes());
  d.Add("Not pursued because", o.not_pursued_reason());
  d.Add("Court", o.court());
  d.Add("Grounds", o.grounds());
  d.Add("Applied", FormatDate(o.application_date()));
  d.Add("Next hearing", FormatTimestamp(o.next_hearing_time(), cli.tz));
  if (o.has_decision()) {
    d.Add("Decision",
          absl::StrCat(
              EnumName(v1::OrderDecisionOutcome_descriptor(), o.decision().outcome()),
              " on ", FormatDate(o.decision().decision_date()),
              o.decision().court().empty() ? "" : " at ", o.decision().court(),
              o.decision().reason().empty() ? "" : ": ", o.decision().reason()));
  }
  if (o.terms_size() > 0) {
    for (const v1::OrderTerm& t : o.terms()) d.Add("Term", OrderTermText(t));
    if (o.terms_version() > 1) {
      d.Add("Terms version",
            absl::StrCat(o.terms_version(), " (varied ", o.variation_count(),
                         ", renewed ", o.renewal_count(), "; see 'order history')"));
    }
    d.Add("Duration", OrderDurationText(o.duration()));
  } else {
    for (const v1::OrderTerm& t : o.proposed_terms()) d.Add("Proposed term", OrderTermText(t));
    d.Add("Duration sought", OrderDurationText(o.proposed_duration()));
  }
  d.Add("Made", FormatDate(o.made_date()));
  if (o.has_service()) {
    d.Add("Served", absl::StrCat(FormatTimestamp(o.service().service_time(), cli.tz),
                                 o.service().method().empty() ? "" : ", ",
                                 o.service().method()));
  }
  d.Add("Notification", OrderNotificationText(o, cli.tz));
  for (const v1::OrderApplication& a : o.applications()) {
    if (a.status() != v1::ORDER_APPLICATION_STATUS_PENDING) continue;
    d.Add("Pending application",
          absl::StrCat(EnumWords(v1::OrderApplicationType_descriptor(), a.type()), " by ",
                       PartyWords(a.applicant()), ", applied ",
                       FormatDate(a.application_date())));
  }
  if (o.appeals_size() > 0) {
    const v1::OrderAppeal& a = o.appeals(o.appeals_size() - 1);
    d.Add("Appeal",
          a.outcome() == v1::ORDER_APPEAL_OUTCOME_UNSPECIFIED
              ? absl::StrCat("by ", PartyWords(a.appellant()), " to ", a.court(),
                             ", lodged ", FormatDate(a.lodge_date()), " (pending)")
              : absl::StrCat(
                    EnumName(v1::OrderAppealOutcome_descriptor(), a.outcome()), " on ",
                    FormatDate(a.decision_date()),
                    a.decision_reason().empty() ? "" : ": ", a.decision_reason()));
  }
  for (const v1::OrderBreach& b : o.breaches()) {
    d.Add("Breach",
          absl::StrCat(FormatTimestamp(b.occur_time(), cli.tz), ": ", b.description(),
                       b.charging_file().empty() ? "" : " (referred to the CPS: ",
                       b.charging_file(), b.charging_file().empty() ? "" : ")"));
  }
  std::string out = d.Render();
  if (partner) {
    out +=
        "(safeguarding view: the terms of orders in force; the application, "
        "defendant and hearings stay with police and the CPS)\n";
  }
  return out;
}

absl::StatusOr<ProtectionOrder> FetchOrder(Cli& cli, const std::string& name) {
  v1::GetProtectionOrderRequest request;
  request.set_name(name);
  return Rpc<ProtectionOrder>(
      cli, "GetProtectionOrder",
      [&](Client& c, grpc::ClientContext* ctx, ProtectionOrder* out) {
        return c.orders().GetProtectionOrder(ctx, request, out);
      });
}

// The order named in full (cases/{case}/protectionOrders/{id}), or by the
// first characters of its id as `order list` shows it, among the orders the
// caller can see.
absl::StatusOr<ProtectionOrder> FindOrder(Cli& cli, const std::string& arg,
                                          absl::string_view option = "ORDER") {
  if (absl::StartsWith(arg, "cases/")) {
    absl::StatusOr<std::string> name = ChildNameArg(arg, kCollection, option);
    if (!name.ok()) return name.status();
    return FetchOrder(cli, *name);
  }
  if (arg.size() < 4) {
    return WithField(UsageError(absl::StrCat(option,
                                             ": give the order's name or at least 4 "
                                             "characters of its id (as 'order list' "
                                             "shows it)")),
                     option);
  }
  v1::ListProtectionOrdersRequest request;
  request.set_parent("cases/-");
  request.set_page_size(500);
  std::vector<ProtectionOrder> matches;
  do {
    absl::StatusOr<v1::ListProtectionOrdersResponse> page =
        Rpc<v1::ListProtectionOrdersResponse>(
            cli, "ListProtectionOrders",
            [&](Client& c, grpc::ClientContext* ctx,
                v1::ListProtectionOrdersResponse* out) {
              return c.orders().ListProtectionOrders(ctx, request, out);
            });
    if (!page.ok()) return page.status();
    for (const ProtectionOrder& o : page->protection_orders()) {
      if (absl::StartsWith(ShortId(o.name()), absl::AsciiStrToLower(arg))) {
        matches.push_back(o);
      }
    }
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  if (matches.size() == 1) return matches[0];
  if (matches.empty()) return absl::NotFoundError(absl::StrCat("no order ", arg));
  return WithField(UsageError(absl::StrCat("\"", arg, "\" matches ", matches.size(),
                                           " orders; give more of the id")),
                   option);
}

// What every state change of an order takes: the order and its etag.
struct Target {
  std::string order, etag;
};

// The order as read before the change, and the etag to send.
struct Resolved {
  ProtectionOrder current;
  std::string etag;
};

void AddTarget(CLI::App* cmd, Target* t) {
  cmd->add_option("ORDER", t->order,
                  "the order: cases/{case}/protectionOrders/{id}, or the first "
                  "characters of its id as listed")
      ->required();
  cmd->add_option("--etag", t->etag,
                  "fail (exit 5) if the order changed since this etag");
}

// Reads the target order; the etag sent is --etag, else the one just read.
absl::StatusOr<Resolved> Resolve(Cli& cli, const Target& t) {
  absl::StatusOr<ProtectionOrder> current = FindOrder(cli, t.order);
  if (!current.ok()) return current.status();
  std::string etag = t.etag.empty() ? current->etag() : t.etag;
  return Resolved{*std::move(current), std::move(etag)};
}

absl::Status EmitOrder(Cli& cli, const absl::StatusOr<ProtectionOrder>& order) {
  if (!order.ok()) return order.status();
  cli.Emit(*order, order->name(), OrderText(cli, *order));
  return absl::OkStatus();
}

// A state change: resolves the target, lets `fill` complete the request
// (given the order as it is now), calls `method`, prints the order.
template <typename Request>
absl::Status Change(
    Cli& cli, const Target& target, const char* method,
    absl::FunctionRef<absl::Status(Request*, const ProtectionOrder& current)> fill,
    absl::FunctionRef<grpc::Status(Client&, grpc::ClientContext*, const Request&,
                                   ProtectionOrder*)>
        rpc) {
  absl::StatusOr<Resolved> t = Resolve(cli, target);
  if (!t.ok()) return t.status();
  Request request;
  request.set_name(t->current.name());
  request.set_etag(t->etag);
  absl::Status filled = fill(&request, t->current);
  if (!filled.ok()) return filled;
  return EmitOrder(cli, Rpc<ProtectionOrder>(cli, method,
                                             [&](Client& c, grpc::ClientContext* ctx,
                                                 ProtectionOrder* out) {
                                               return rpc(c, ctx, request, out);
                                             }));
}

absl::StatusOr<v1::OrderParty> Party(absl::string_view text, absl::string_view option) {
  absl::StatusOr<int> p = EnumArg(v1::OrderParty_descriptor(), text, option);
  if (!p.ok()) return p.status();
  return static_cast<v1::OrderParty>(*p);
}

// Orders as a table. Police and the CPS: where each order is, whether it is
// in force, the defendant's notification duty and the terms. Partners (the
// safeguarding view, no status): the terms of the orders in force.
Table OrderTable(Cli& cli,
                 const google::protobuf::RepeatedPtrField<ProtectionOrder>& orders) {
  bool partner = !orders.empty();
  for (const ProtectionOrder& o : orders) partner = partner && IsSafeguardingView(o);
  if (partner) {
    Table t({"ID", "KIND", "IN FORCE", "UNTIL", "TERMS"});
    t.SetMaxWidth(4, 90);
    for (const ProtectionOrder& o : orders) {
      t.AddRow({ShortId(o.name()).substr(0, 8),
                EnumName(v1::ProtectionOrderKind_descriptor(), o.kind()),
                o.active() ? "yes" : "no", UntilCell(o), TermsText(o.terms())});
    }
    return t;
  }
  Table t({"ID", "KIND", "STATUS", "IN FORCE", "UNTIL", "NOTIFICATION", "DEFENDANT",
           "TERMS"});
  t.SetMaxWidth(6, 24);
  t.SetMaxWidth(7, 60);
  for (const ProtectionOrder& o : orders) {
    t.AddRow({ShortId(o.name()).substr(0, 8),
              EnumName(v1::ProtectionOrderKind_descriptor(), o.kind()),
              EnumName(v1::ProtectionOrderStatus_descriptor(), o.status()),
              o.active() ? "yes" : "no", UntilCell(o), OrderNotificationCell(o, cli.tz),
              o.defendant(),
              TermsText(o.terms_size() > 0 ? o.terms() : o.proposed_terms())});
  }
  return t;
}

// ---- commands -------------------------------------------------------------

void AddConsider(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string case_arg, kind, main, defendant, notes, not_pursued, court, grounds,
        request_id;
    std::vector<std::string> protects;
    TermOptions terms;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "consider",
      "Record that an order is considered for a case (the first step of every order; "
      "what the 'considered' measure counts). With --not-pursued, also that it is "
      "not being pursued.",
      "casebridge --as pc.hughes order consider SP-2026-000123 --kind full --defendant "
      "\"Sam Carter\" --protects \"Alex Morgan\" --notes \"Threats after the break-up\"",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<std::string> name = CaseNameArg(o->case_arg, "CASE");
        if (!name.ok()) return name.status();
        absl::StatusOr<int> kind =
            EnumArg(v1::ProtectionOrderKind_descriptor(), o->kind, "--kind");
        if (!kind.ok()) return kind.status();
        v1::CreateProtectionOrderRequest request;
        request.set_parent(*name);
        request.set_request_id(o->request_id);
        request.set_not_pursued_reason(o->not_pursued);
        ProtectionOrder* order = request.mutable_protection_order();
        order->set_kind(static_cast<v1::ProtectionOrderKind>(*kind));
        if (!o->main.empty()) {
          absl::StatusOr<ProtectionOrder> main = FindOrder(cli, o->main, "--main");
          if (!main.ok()) return main.status();
          order->set_main_order(main->name());
        }
        order->set_defendant(o->defendant);
        for (const std::string& p : o->protects) order->add_protected_persons(p);
        order->set_consideration_notes(o->notes);
        order->set_court(o->court);
        order->set_grounds(o->grounds);
        absl::Status terms = AddTerms(o->terms.terms, order->mutable_proposed_terms());
        if (!terms.ok()) return terms;
        absl::StatusOr<bool> duration =
            SetDuration(cli, o->terms, order->mutable_proposed_duration());
        if (!duration.ok()) return duration.status();
        if (!*duration) order->clear_proposed_duration();
        return EmitOrder(
            cli, Rpc<ProtectionOrder>(
                     cli, "CreateProtectionOrder",
                     [&](Client& c, grpc::ClientContext* ctx, ProtectionOrder* out) {
                       return c.orders().CreateProtectionOrder(ctx, request, out);
                     }));
      });
  cmd->add_option("CASE", o->case_arg, "case reference or name")->required();
  cmd->add_option("--kind", o->kind, "full (the main application) or interim")
      ->required();
  cmd->add_option("--main", o->main, "interim only: the main (full) order");
  cmd->add_option("--defendant", o->defendant, "the person the order is against");
  cmd->add_option("--protects", o->protects, "a person it protects (repeat)")
      ->allow_extra_args(false);
  cmd->add_option("--notes", o->notes, "why an order is considered");
  cmd->add_option("--not-pursued", o->not_pursued, "not pursuing it, and why");
  cmd->add_option("--court", o->court, "draft: the magistrates' court");
  cmd->add_option("--grounds", o->grounds, "draft: the grounds");
  AddTermOptions(cmd, &o->terms);
  cmd->add_option("--request-id", o->request_id,
                  "retrying with the same id records once");
}

void AddGet(CLI::App& group, Cli& cli) {
  auto order = std::make_shared<std::string>();
  CLI::App* cmd = AddCommand(
      group, cli, "get", "Show an order: status, terms, notification, hearings.",
      "casebridge --as pc.hughes order get cases/SP-2026-000123/protectionOrders/{id}",
      [&cli, order]() -> absl::Status { return EmitOrder(cli, FindOrder(cli, *order)); });
  cmd->add_option("ORDER", *order, "the order's name, or the first characters of its id")
      ->required();
}

void AddList(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string case_arg, status, kind;
    bool active = false, overdue = false;
    int expiring = -1;
    Paging paging;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "list",
      "Orders of a case, or of every case you can see (no CASE): e.g. every overdue "
      "notification of the force.",
      "casebridge --as pc.hughes order list --notification-overdue",
      [&cli, o]() -> absl::Status {
        std::string parent = "cases/-";
        if (!o->case_arg.empty()) {
          absl::StatusOr<std::string> name = CaseNameArg(o->case_arg, "CASE");
          if (!name.ok()) return name.status();
          parent = *name;
        }
        std::vector<std::string> terms;
        if (!o->status.empty()) {
          absl::StatusOr<int> s =
              EnumArg(v1::ProtectionOrderStatus_descriptor(), o->status, "--status");
          if (!s.ok()) return s.status();
          terms.push_back("status=" +
                          EnumName(v1::ProtectionOrderStatus_descriptor(), *s));
        }
        if (!o->kind.empty()) {
          absl::StatusOr<int> k =
              EnumArg(v1::ProtectionOrderKind_descriptor(), o->kind, "--kind");
          if (!k.ok()) return k.status();
          terms.push_back("kind=" + EnumName(v1::ProtectionOrderKind_descriptor(), *k));
        }
        if (o->active) terms.push_back("active=true");
        if (o->overdue) terms.push_back("notification_overdue=true");
        if (o->expiring >= 0)
          terms.push_back(absl::StrCat("expiring_within_days=", o->expiring));
        v1::ListProtectionOrdersRequest request;
        request.set_parent(parent);
        request.set_filter(absl::StrJoin(terms, " AND "));
        request.set_page_size(o->paging.page_size);
        request.set_page_token(o->paging.page_token);
        absl::StatusOr<v1::ListProtectionOrdersResponse> response =
            Rpc<v1::ListProtectionOrdersResponse>(
                cli, "ListProtectionOrders",
                [&](Client& c, grpc::ClientContext* ctx,
                    v1::ListProtectionOrdersResponse* out) {
                  return c.orders().ListProtectionOrders(ctx, request, out);
                });
        if (!response.ok()) return response.status();
        std::vector<std::string> names;
        for (const ProtectionOrder& x : response->protection_orders()) {
          names.push_back(x.name());
        }
        cli.EmitList(*response, names, OrderTable(cli, response->protection_orders()),
                     "no orders", response->next_page_token());
        return absl::OkStatus();
      });
  cmd->add_option("CASE", o->case_arg, "case reference (default: every case you see)");
  cmd->add_option("--status", o->status, "e.g. applied, granted, served, expired");
  cmd->add_option("--kind", o->kind, "full or interim");
  cmd->add_flag("--active", o->active, "only orders in force");
  cmd->add_flag("--notification-overdue", o->overdue,
                "only orders whose defendant has not notified in time");
  cmd->add_option("--expiring-within", o->expiring, "active, ending within N days");
  AddPaging(cmd, &o->paging);
}

void AddUpdate(CLI::App& group, Cli& cli) {
  struct Opts {
    Target target;
    std::string defendant, notes, court, grounds;
    std::vector<std::string> protects;
    TermOptions terms;
    CLI::App* cmd = nullptr;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "update", "Edit the draft of an order while it is CONSIDERED.",
      "casebridge --as pc.hughes order update ORDER --court \"North Staffordshire "
      "Justice Centre\" --term \"prohibition: Not to contact Alex Morgan\"",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<ProtectionOrder> current = FindOrder(cli, o->target.order);
        if (!current.ok()) return current.status();
        v1::UpdateProtectionOrderRequest request;
        ProtectionOrder* order = request.mutable_protection_order();
        *order = *current;
        if (!o->target.etag.empty()) order->set_etag(o->target.etag);
        auto mask = request.mutable_update_mask();
        auto given = [&](const char* option) { return o->cmd->count(option) > 0; };
        if (given("--defendant")) {
          order->set_defendant(o->defendant);
          mask->add_paths("defendant");
        }
        if (given("--protects")) {
          order->clear_protected_persons();
          for (const std::string& p : o->protects) order->add_protected_persons(p);
          mask->add_paths("protected_persons");
        }
        if (given("--notes")) {
          order->set_consideration_notes(o->notes);
          mask->add_paths("consideration_notes");
        }
        if (given("--court")) {
          order->set_court(o->court);
          mask->add_paths("court");
        }
        if (given("--grounds")) {
          order->set_grounds(o->grounds);
          mask->add_paths("grounds");
        }
        if (given("--term")) {
          order->clear_proposed_terms();
          absl::Status terms = AddTerms(o->terms.terms, order->mutable_proposed_terms());
          if (!terms.ok()) return terms;
          mask->add_paths("proposed_terms");
        }
        order->clear_proposed_duration();
        absl::StatusOr<bool> duration =
            SetDuration(cli, o->terms, order->mutable_proposed_duration());
        if (!duration.ok()) return duration.status();
        if (*duration) mask->add_paths("proposed_duration");
        if (mask->paths_size() == 0) {
          return UsageError("nothing to change: give at least one option, e.g. --court");
        }
        return EmitOrder(
            cli, Rpc<ProtectionOrder>(
                     cli, "UpdateProtectionOrder",
                     [&](Client& c, grpc::ClientContext* ctx, ProtectionOrder* out) {
                       return c.orders().UpdateProtectionOrder(ctx, request, out);
                     }));
      });
  o->cmd = cmd;
  AddTarget(cmd, &o->target);
  cmd->add_option("--defendant", o->defendant, "the person the order is against");
  cmd->add_option("--protects", o->protects, "a person it protects (repeat; replaces)")
      ->allow_extra_args(false);
  cmd->add_option("--notes", o->notes, "consideration notes");
  cmd->add_option("--court", o->court, "the magistrates' court");
  cmd->add_option("--grounds", o->grounds, "the grounds");
  AddTermOptions(cmd, &o->terms);
}

void AddNotPursued(CLI::App& group, Cli& cli) {
  struct Opts {
    Target target;
    std::string reason;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "not-pursued",
      "Record that a considered order is not pursued, and why.",
      "casebridge --as pc.hughes order not-pursued ORDER --reason \"Suspect remanded; "
      "restraining order sought instead\"",
      [&cli, o]() -> absl::Status {
        return Change<v1::RecordOrderNotPursuedRequest>(
            cli, o->target, "RecordOrderNotPursued",
            [&](v1::RecordOrderNotPursuedRequest* r, const ProtectionOrder&) {
              r->set_reason(o->reason);
              return absl::OkStatus();
            },
            [](Client& c, grpc::ClientContext* ctx,
               const v1::RecordOrderNotPursuedRequest& r, ProtectionOrder* out) {
              return c.orders().RecordOrderNotPursued(ctx, r, out);
            });
      });
  AddTarget(cmd, &o->target);
  cmd->add_option("--reason", o->reason, "why not")->required();
}

void AddApply(CLI::App& group, Cli& cli) {
  struct Opts {
    Target target;
    std::string date = "today", court, grounds;
    TermOptions terms;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "apply",
      "The chief officer's application to a magistrates' court (CONSIDERED -> "
      "APPLIED). Terms, court and grounds default to the draft.",
      "casebridge --as pc.hughes order apply ORDER --court \"North Staffordshire "
      "Justice Centre\" --grounds \"Repeated following and threats\" --term "
      "\"prohibition: Not to contact Alex Morgan\" --until-further-order",
      [&cli, o]() -> absl::Status {
        return Change<v1::ApplyForOrderRequest>(
            cli, o->target, "ApplyForOrder",
            [&](v1::ApplyForOrderRequest* r, const ProtectionOrder&) -> absl::Status {
              absl::StatusOr<v1::Date> date = cli.Day(o->date, "--date");
              if (!date.ok()) return date.status();
              *r->mutable_application_date() = *date;
              r->set_court(o->court);
              r->set_grounds(o->grounds);
              return SetTermsAndDuration(cli, o->terms, r);
            },
            [](Client& c, grpc::ClientContext* ctx, const v1::ApplyForOrderRequest& r,
               ProtectionOrder* out) { return c.orders().ApplyForOrder(ctx, r, out); });
      });
  AddTarget(cmd, &o->target);
  cmd->add_option("--date", o->date, "day applied (default today)");
  cmd->add_option("--court", o->court, "the magistrates' court");
  cmd->add_option("--grounds", o->grounds, "the grounds");
  AddTermOptions(cmd, &o->terms);
}

void AddHearing(CLI::App& group, Cli& cli) {
  struct Opts {
    Target target;
    std::string at, court, adjourn, next, next_court;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "hearing",
      "A hearing listed (--at and --court), or the listed hearing adjourned "
      "(--adjourn REASON, optionally --next TIME).",
      "casebridge --as pc.hughes order hearing ORDER --at \"2026-12-01 10:00\" "
      "--court \"North Staffordshire Justice Centre\"",
      [&cli, o]() -> absl::Status {
        return Change<v1::RecordHearingRequest>(
            cli, o->target, "RecordHearing",
            [&](v1::RecordHearingRequest* r, const ProtectionOrder&) -> absl::Status {
              if (o->adjourn.empty()) {
                r->set_status(v1::ORDER_HEARING_STATUS_LISTED);
                if (o->at.empty()) {
                  return WithField(UsageError("give --at (listing) or --adjourn"),
                                   "--at");
                }
                absl::StatusOr<absl::Time> at = cli.When(o->at, "--at");
                if (!at.ok()) return at.status();
                *r->mutable_hearing_time() = domain::ToProtoTime(*at);
                r->set_court(o->court);
              } else {
                r->set_status(v1::ORDER_HEARING_STATUS_ADJOURNED);
                r->set_adjournment_reason(o->adjourn);
                if (!o->next.empty()) {
                  absl::StatusOr<absl::Time> next = cli.When(o->next, "--next");
                  if (!next.ok()) return next.status();
                  *r->mutable_next_hearing_time() = domain::ToProtoTime(*next);
                }
                r->set_next_court(o->next_court);
              }
              return absl::OkStatus();
            },
            [](Client& c, grpc::ClientContext* ctx, const v1::RecordHearingRequest& r,
               ProtectionOrder* out) { return c.orders().RecordHearing(ctx, r, out); });
      });
  AddTarget(cmd, &o->target);
  cmd->add_option("--at", o->at, "hearing time, e.g. \"2026-12-01 10:00\"");
  cmd->add_option("--court", o->court, "the court");
  cmd->add_option("--adjourn", o->adjourn, "adjourn the listed hearing, with the reason");
  cmd->add_option("--next", o->next, "adjourned to this time");
  cmd->add_option("--next-court", o->next_court,
                  "adjourned to this court (default: same)");
}

// RecordCourtDecision and RecordApplicationDecision share their options.
struct DecisionOptions {
  bool granted = false, refused = false, withdrawn = false;
  std::string date = "today", court, reason;
  TermOptions terms;
};

void AddDecisionOptions(CLI::App* cmd, DecisionOptions* o) {
  cmd->add_flag("--granted", o->granted, "the court granted it");
  cmd->add_flag("--refused", o->refused, "the court refused it");
  cmd->add_flag("--withdrawn", o->withdrawn, "the applicant withdrew it");
  cmd->add_option("--date", o->date, "day decided (default today)");
  cmd->add_option("--court", o->court, "the court");
  cmd->add_option("--reason", o->reason, "the court's reasons");
  AddTermOptions(cmd, &o->terms);
}

template <typename Request>
absl::Status FillDecision(Cli& cli, const DecisionOptions& o, Request* r) {
  if (o.granted + o.refused + o.withdrawn != 1) {
    return WithField(UsageError("give one of --granted, --refused or --withdrawn"),
                     "--granted");
  }
  r->set_outcome(o.granted   ? v1::ORDER_DECISION_OUTCOME_GRANTED
                 : o.refused ? v1::ORDER_DECISION_OUTCOME_REFUSED
                             : v1::ORDER_DECISION_OUTCOME_WITHDRAWN);
  absl::StatusOr<v1::Date> date = cli.Day(o.date, "--date");
  if (!date.ok()) return date.status();
  *r->mutable_decision_date() = *date;
  r->set_court(o.court);
  r->set_reason(o.reason);
  return SetTermsAndDuration(cli, o.terms, r);
}

void AddDecide(CLI::App& group, Cli& cli) {
  struct Opts {
    Target target;
    DecisionOptions decision;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "decide",
      "The court's decision on the application: --granted, --refused or --withdrawn. "
      "Granted, the order is made with the terms and duration applied for unless "
      "--term / --until / --until-further-order say what the court made; the court "
      "defaults to the one applied to. Deciding a main application supersedes its "
      "interim orders.",
      "casebridge --as pc.hughes order decide 141bf1e1 --granted --until \"in 8 weeks\"",
      [&cli, o]() -> absl::Status {
        return Change<v1::RecordCourtDecisionRequest>(
            cli, o->target, "RecordCourtDecision",
            [&](v1::RecordCourtDecisionRequest* r, const ProtectionOrder& current) {
              absl::Status filled = FillDecision(cli, o->decision, r);
              if (!filled.ok()) return filled;
              // The court applied to, and (granted) the terms and duration
              // applied for, unless the options say otherwise.
              if (r->court().empty()) r->set_court(current.court());
              if (r->outcome() != v1::ORDER_DECISION_OUTCOME_GRANTED) return filled;
              if (r->terms_size() == 0) *r->mutable_terms() = current.proposed_terms();
              if (!r->has_duration() && current.has_proposed_duration()) {
                *r->mutable_duration() = current.proposed_duration();
              }
              return filled;
            },
            [](Client& c, grpc::ClientContext* ctx,
               const v1::RecordCourtDecisionRequest& r, ProtectionOrder* out) {
              return c.orders().RecordCourtDecision(ctx, r, out);
            });
      });
  AddTarget(cmd, &o->target);
  AddDecisionOptions(cmd, &o->decision);
}

void AddServe(CLI::App& group, Cli& cli) {
  struct Opts {
    Target target;
    std::string at = "now", method, notes;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "serve",
      "The order was served on the defendant: starts the 3-day notification clock.",
      "casebridge --as pc.hughes order serve ORDER --at \"today 14:00\" --method "
      "\"personally, at Hanley police station\"",
      [&cli, o]() -> absl::Status {
        return Change<v1::RecordServiceRequest>(
            cli, o->target, "RecordService",
            [&](v1::RecordServiceRequest* r, const ProtectionOrder&) -> absl::Status {
              absl::StatusOr<absl::Time> at = cli.When(o->at, "--at");
              if (!at.ok()) return at.status();
              *r->mutable_service_time() = domain::ToProtoTime(*at);
              r->set_method(o->method);
              r->set_notes(o->notes);
              return absl::OkStatus();
            },
            [](Client& c, grpc::ClientContext* ctx, const v1::RecordServiceRequest& r,
               ProtectionOrder* out) { return c.orders().RecordService(ctx, r, out); });
      });
  AddTarget(cmd, &o->target);
  cmd->add_option("--at", o->at, "when served (default now)");
  cmd->add_option("--method", o->method, "how it was served");
  cmd->add_option("--notes", o->notes, "notes");
}

void AddNotified(CLI::App& group, Cli& cli) {
  struct Opts {
    Target target;
    std::string at = "now", address, ack;
    std::vector<std::string> names;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "notified",
      "The defendant notified the police of name(s) and home address.",
      "casebridge --as pc.hughes order notified ORDER --name \"Sam Carter\" --address "
      "\"12 High Street, Hanley\" --ack \"Ref N123, PC Hughes\"",
      [&cli, o]() -> absl::Status {
        return Change<v1::RecordNotificationRequest>(
            cli, o->target, "RecordNotification",
            [&](v1::RecordNotificationRequest* r, const ProtectionOrder&) -> absl::Status {
              absl::StatusOr<absl::Time> at = cli.When(o->at, "--at");
              if (!at.ok()) return at.status();
              *r->mutable_notify_time() = domain::ToProtoTime(*at);
              for (const std::string& n : o->names) r->add_names(n);
              r->set_home_address(o->address);
              r->set_acknowledgement(o->ack);
              return absl::OkStatus();
            },
            [](Client& c, grpc::ClientContext* ctx,
               const v1::RecordNotificationRequest& r, ProtectionOrder* out) {
              return c.orders().RecordNotification(ctx, r, out);
            });
      });
  AddTarget(cmd, &o->target);
  cmd->add_option("--at", o->at, "when notified (default now)");
  cmd->add_option("--name", o->names, "a name the defendant uses (repeat)")
      ->allow_extra_args(false);
  cmd->add_option("--address", o->address, "home address given");
  cmd->add_option("--ack", o->ack, "the acknowledgement given to the defendant")
      ->required();
}

void AddDetailsChange(CLI::App& group, Cli& cli) {
  struct Opts {
    Target target;
    std::string change, at = "now", details;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "details-change",
      "The defendant's name or home address changed: a new 3-day notification clock.",
      "casebridge --as pc.hughes order details-change ORDER --change address-change "
      "--details \"Moved to Leek\"",
      [&cli, o]() -> absl::Status {
        return Change<v1::RecordDetailsChangeRequest>(
            cli, o->target, "RecordDetailsChange",
            [&](v1::RecordDetailsChangeRequest* r, const ProtectionOrder&) -> absl::Status {
              absl::StatusOr<int> change = EnumArg(
                  v1::OrderNotificationTrigger_descriptor(), o->change, "--change");
              if (!change.ok()) return change.status();
              r->set_change(static_cast<v1::OrderNotificationTrigger>(*change));
              absl::StatusOr<absl::Time> at = cli.When(o->at, "--at");
              if (!at.ok()) return at.status();
              *r->mutable_change_time() = domain::ToProtoTime(*at);
              r->set_details(o->details);
              return absl::OkStatus();
            },
            [](Client& c, grpc::ClientContext* ctx,
               const v1::RecordDetailsChangeRequest& r, ProtectionOrder* out) {
              return c.orders().RecordDetailsChange(ctx, r, out);
            });
      });
  AddTarget(cmd, &o->target);
  cmd->add_option("--change", o->change, "name-change or address-change")->required();
  cmd->add_option("--at", o->at, "when it changed (default now)");
  cmd->add_option("--details", o->details, "what changed");
}

// vary, renew and discharge: applications on an order in force.
void AddApplication(CLI::App& group, Cli& cli, v1::OrderApplicationType type) {
  struct Opts {
    Target target;
    std::string by = "police", date = "today", grounds;
    TermOptions terms;
  };
  auto o = std::make_shared<Opts>();
  const char* name = type == v1::ORDER_APPLICATION_TYPE_VARIATION ? "vary"
                     : type == v1::ORDER_APPLICATION_TYPE_RENEWAL ? "renew"
                                                                  : "discharge";
  CLI::App* cmd = AddCommand(
      group, cli, name,
      absl::StrCat("Apply to ", name,
                   " an order in force (by the police or the "
                   "defendant); the court decides with 'order application-decision'."),
      absl::StrCat("casebridge --as pc.hughes order ", name, " ORDER --grounds \"...\"",
                   type == v1::ORDER_APPLICATION_TYPE_VARIATION
                       ? " --term \"prohibition: Not to enter Leek\""
                   : type == v1::ORDER_APPLICATION_TYPE_RENEWAL ? " --until 2030-11-20"
                                                                : ""),
      [&cli, o, type]() -> absl::Status {
        absl::StatusOr<v1::OrderParty> by = Party(o->by, "--by");
        if (!by.ok()) return by.status();
        absl::StatusOr<v1::Date> date = cli.Day(o->date, "--date");
        if (!date.ok()) return date.status();
        if (type == v1::ORDER_APPLICATION_TYPE_VARIATION) {
          return Change<v1::ApplyForVariationRequest>(
              cli, o->target, "ApplyForVariation",
              [&](v1::ApplyForVariationRequest* r, const ProtectionOrder&) -> absl::Status {
                r->set_applicant(*by);
                *r->mutable_application_date() = *date;
                r->set_grounds(o->grounds);
                absl::Status terms =
                    AddTerms(o->terms.terms, r->mutable_proposed_terms());
                if (!terms.ok()) return terms;
                absl::StatusOr<bool> d =
                    SetDuration(cli, o->terms, r->mutable_proposed_duration());
                if (!d.ok()) return d.status();
                if (!*d) r->clear_proposed_duration();
                return absl::OkStatus();
              },
              [](Client& c, grpc::ClientContext* ctx,
                 const v1::ApplyForVariationRequest& r, ProtectionOrder* out) {
                return c.orders().ApplyForVariation(ctx, r, out);
              });
        }
        if (type == v1::ORDER_APPLICATION_TYPE_RENEWAL) {
          return Change<v1::ApplyForRenewalRequest>(
              cli, o->target, "ApplyForRenewal",
              [&](v1::ApplyForRenewalRequest* r, const ProtectionOrder&) -> absl::Status {
                r->set_applicant(*by);
                *r->mutable_application_date() = *date;
                r->set_grounds(o->grounds);
                absl::StatusOr<bool> d =
                    SetDuration(cli, o->terms, r->mutable_proposed_duration());
                if (!d.ok()) return d.status();
                if (!*d) r->clear_proposed_duration();
                return absl::OkStatus();
              },
              [](Client& c, grpc::ClientContext* ctx, const v1::ApplyForRenewalRequest& r,
                 ProtectionOrder* out) {
                return c.orders().ApplyForRenewal(ctx, r, out);
              });
        }
        return Change<v1::ApplyForDischargeRequest>(
            cli, o->target, "ApplyForDischarge",
            [&](v1::ApplyForDischargeRequest* r, const ProtectionOrder&) -> absl::Status {
              r->set_applicant(*by);
              *r->mutable_application_date() = *date;
              r->set_grounds(o->grounds);
              return absl::OkStatus();
            },
            [](Client& c, grpc::ClientContext* ctx, const v1::ApplyForDischargeRequest& r,
               ProtectionOrder* out) {
              return c.orders().ApplyForDischarge(ctx, r, out);
            });
      });
  AddTarget(cmd, &o->target);
  cmd->add_option("--by", o->by, "police (default) or defendant");
  cmd->add_option("--date", o->date, "day applied (default today)");
  cmd->add_option("--grounds", o->grounds, "the grounds");
  if (type != v1::ORDER_APPLICATION_TYPE_DISCHARGE) AddTermOptions(cmd, &o->terms);
}

void AddApplicationDecision(CLI::App& group, Cli& cli) {
  struct Opts {
    Target target;
    DecisionOptions decision;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "application-decision",
      "The court's decision on the pending variation, renewal or discharge.",
      "casebridge --as pc.hughes order application-decision ORDER --granted --until "
      "2030-11-20",
      [&cli, o]() -> absl::Status {
        return Change<v1::RecordApplicationDecisionRequest>(
            cli, o->target, "RecordApplicationDecision",
            [&](v1::RecordApplicationDecisionRequest* r, const ProtectionOrder&) {
              return FillDecision(cli, o->decision, r);
            },
            [](Client& c, grpc::ClientContext* ctx,
               const v1::RecordApplicationDecisionRequest& r, ProtectionOrder* out) {
              return c.orders().RecordApplicationDecision(ctx, r, out);
            });
      });
  AddTarget(cmd, &o->target);
  AddDecisionOptions(cmd, &o->decision);
}

void AddAppeal(CLI::App& group, Cli& cli) {
  struct Opts {
    Target target;
    std::string by, date = "today", court, grounds;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "appeal",
      "An appeal to the Crown Court: the defendant against an order, the police "
      "against a refusal.",
      "casebridge --as pc.hughes order appeal ORDER --by defendant --court \"Stoke-on-"
      "Trent Crown Court\" --grounds \"...\"",
      [&cli, o]() -> absl::Status {
        return Change<v1::RecordAppealRequest>(
            cli, o->target, "RecordAppeal",
            [&](v1::RecordAppealRequest* r, const ProtectionOrder&) -> absl::Status {
              absl::StatusOr<v1::OrderParty> by = Party(o->by, "--by");
              if (!by.ok()) return by.status();
              r->set_appellant(*by);
              absl::StatusOr<v1::Date> date = cli.Day(o->date, "--date");
              if (!date.ok()) return date.status();
              *r->mutable_lodge_date() = *date;
              r->set_court(o->court);
              r->set_grounds(o->grounds);
              return absl::OkStatus();
            },
            [](Client& c, grpc::ClientContext* ctx, const v1::RecordAppealRequest& r,
               ProtectionOrder* out) { return c.orders().RecordAppeal(ctx, r, out); });
      });
  AddTarget(cmd, &o->target);
  cmd->add_option("--by", o->by, "defendant or police")->required();
  cmd->add_option("--date", o->date, "day lodged (default today)");
  cmd->add_option("--court", o->court, "the Crown Court");
  cmd->add_option("--grounds", o->grounds, "the grounds");
}

void AddAppealDecision(CLI::App& group, Cli& cli) {
  struct Opts {
    Target target;
    std::string outcome, date = "today", court, reason;
    TermOptions terms;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "appeal-decision",
      "The Crown Court's decision: upheld, quashed or varied (with terms).",
      "casebridge --as pc.hughes order appeal-decision ORDER --outcome upheld",
      [&cli, o]() -> absl::Status {
        return Change<v1::RecordAppealDecisionRequest>(
            cli, o->target, "RecordAppealDecision",
            [&](v1::RecordAppealDecisionRequest* r, const ProtectionOrder&) -> absl::Status {
              absl::StatusOr<int> outcome =
                  EnumArg(v1::OrderAppealOutcome_descriptor(), o->outcome, "--outcome");
              if (!outcome.ok()) return outcome.status();
              r->set_outcome(static_cast<v1::OrderAppealOutcome>(*outcome));
              absl::StatusOr<v1::Date> date = cli.Day(o->date, "--date");
              if (!date.ok()) return date.status();
              *r->mutable_decision_date() = *date;
              r->set_court(o->court);
              r->set_reason(o->reason);
              return SetTermsAndDuration(cli, o->terms, r);
            },
            [](Client& c, grpc::ClientContext* ctx,
               const v1::RecordAppealDecisionRequest& r, ProtectionOrder* out) {
              return c.orders().RecordAppealDecision(ctx, r, out);
            });
      });
  AddTarget(cmd, &o->target);
  cmd->add_option("--outcome", o->outcome, "upheld, quashed or varied")->required();
  cmd->add_option("--date", o->date, "day decided (default today)");
  cmd->add_option("--court", o->court, "the Crown Court");
  cmd->add_option("--reason", o->reason, "the court's reasons");
  AddTermOptions(cmd, &o->terms);
}

void AddBreach(CLI::App& group, Cli& cli) {
  struct Opts {
    Target target;
    std::string when, description, incident;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "breach",
      "A breach of a served order: opens a charging referral to the CPS.",
      "casebridge --as pc.hughes order breach ORDER --when \"yesterday 21:00\" "
      "--description \"Sent 12 messages despite the no-contact term\"",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<Resolved> t = Resolve(cli, o->target);
        if (!t.ok()) return t.status();
        v1::RecordBreachRequest request;
        request.set_name(t->current.name());
        request.set_etag(t->etag);
        absl::StatusOr<absl::Time> when = cli.When(o->when, "--when");
        if (!when.ok()) return when.status();
        *request.mutable_breach()->mutable_occur_time() = domain::ToProtoTime(*when);
        request.mutable_breach()->set_description(o->description);
        if (!o->incident.empty()) {
          absl::StatusOr<std::string> incident =
              ChildNameArg(o->incident, "incidents", "--incident");
          if (!incident.ok()) return incident.status();
          request.mutable_breach()->set_incident(*incident);
        }
        absl::StatusOr<v1::RecordBreachResponse> response = Rpc<v1::RecordBreachResponse>(
            cli, "RecordBreach",
            [&](Client& c, grpc::ClientContext* ctx, v1::RecordBreachResponse* out) {
              return c.orders().RecordBreach(ctx, request, out);
            });
        if (!response.ok()) return response.status();
        cli.Emit(*response, response->charging_file(),
                 absl::StrCat(OrderText(cli, response->protection_order()),
                              "Charging referral: ", response->charging_file(), "\n"));
        return absl::OkStatus();
      });
  AddTarget(cmd, &o->target);
  cmd->add_option("--when", o->when, "when the breach happened")->required();
  cmd->add_option("--description", o->description, "what happened")->required();
  cmd->add_option("--incident", o->incident, "the incident logged for it (its name)");
}

void AddHistory(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string order;
    Paging paging;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "history",
      "Every event of an order, oldest first, and its terms versions.",
      "casebridge --as pc.hughes order history ORDER", [&cli, o]() -> absl::Status {
        absl::StatusOr<ProtectionOrder> order = FindOrder(cli, o->order);
        if (!order.ok()) return order.status();
        const std::string* name = &order->name();
        v1::GetOrderHistoryRequest request;
        request.set_name(*name);
        request.set_page_size(o->paging.page_size);
        request.set_page_token(o->paging.page_token);
        absl::StatusOr<v1::GetOrderHistoryResponse> response =
            Rpc<v1::GetOrderHistoryResponse>(cli, "GetOrderHistory",
                                             [&](Client& c, grpc::ClientContext* ctx,
                                                 v1::GetOrderHistoryResponse* out) {
                                               return c.orders().GetOrderHistory(
                                                   ctx, request, out);
                                             });
        if (!response.ok()) return response.status();
        Table t({"#", "RECORDED", "EVENT", "FROM", "TO", "SUMMARY"});
        t.SetMaxWidth(5, 70);
        std::vector<std::string> names;
        for (const v1::OrderHistoryEntry& e : response->entries()) {
          t.AddRow({absl::StrCat(e.sequence()), FormatTimestamp(e.record_time(), cli.tz),
                    EnumWords(v1::ProtectionOrderEvent_descriptor(), e.event()),
                    EnumName(v1::ProtectionOrderStatus_descriptor(), e.from_status()),
                    EnumName(v1::ProtectionOrderStatus_descriptor(), e.to_status()),
                    e.summary()});
          names.push_back(absl::StrCat(*name, "#", e.sequence()));
        }
        cli.EmitList(*response, names, t, "no history", response->next_page_token());
        return absl::OkStatus();
      });
  cmd->add_option("ORDER", o->order, "the order's name, or the first characters of its id")
      ->required();
  AddPaging(cmd, &o->paging);
}

void AddMeasures(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string agency, from, to = "today";
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "measures",
      "Per force over a date range: was an order considered in every stalking case, "
      "and orders per 1,000 cases.",
      "casebridge --as sgt.khan order measures --from 2026-01-01 --to today",
      [&cli, o]() -> absl::Status {
        v1::GetOrderMeasuresRequest request;
        if (!o->agency.empty()) {
          absl::StatusOr<std::string> a = cli.AgencyName(o->agency, "--agency");
          if (!a.ok()) return a.status();
          request.set_agency(*a);
        }
        absl::StatusOr<v1::Date> from = cli.Day(o->from, "--from");
        if (!from.ok()) return from.status();
        absl::StatusOr<v1::Date> to = cli.Day(o->to, "--to");
        if (!to.ok()) return to.status();
        *request.mutable_start_date() = *from;
        *request.mutable_end_date() = *to;
        absl::StatusOr<v1::OrderMeasures> m = Rpc<v1::OrderMeasures>(
            cli, "GetOrderMeasures",
            [&](Client& c, grpc::ClientContext* ctx, v1::OrderMeasures* out) {
              return c.orders().GetOrderMeasures(ctx, request, out);
            });
        if (!m.ok()) return m.status();
        Details d;
        d.AddAlways("Force", cli.AgencyCode(m->agency()));
        d.AddAlways("From", FormatDate(m->start_date()));
        d.AddAlways("To", FormatDate(m->end_date()));
        d.AddAlways("Stalking cases", absl::StrCat(m->stalking_cases()));
        d.AddAlways("Order considered",
                    absl::StrFormat("%d of %d cases (%.0f%%)",
                                    m->cases_with_order_considered(), m->stalking_cases(),
                                    100 * m->considered_case_rate()));
        d.AddAlways("Orders considered", absl::StrCat(m->orders_considered()));
        d.AddAlways("Full orders made", absl::StrCat(m->full_orders_made()));
        d.AddAlways("Interim orders made", absl::StrCat(m->interim_orders_made()));
        d.AddAlways("Orders per 1,000 cases",
                    absl::StrFormat("%.1f", m->orders_per_1000_cases()));
        cli.Emit(*m, m->agency(), d.Render());
        return absl::OkStatus();
      });
  cmd->add_option("--agency", o->agency, "a police force (default: yours)");
  cmd->add_option("--from", o->from, "first day")->required();
  cmd->add_option("--to", o->to, "last day (default today)");
}

}  // namespace

void AddOrderCommands(CLI::App& app, Cli& cli) {
  CLI::App* group = AddGroup(
      app, "order", "Stalking Protection Orders: consider, apply, decide, serve.");
  AddConsider(*group, cli);
  AddGet(*group, cli);
  AddList(*group, cli);
  AddUpdate(*group, cli);
  AddNotPursued(*group, cli);
  AddApply(*group, cli);
  AddHearing(*group, cli);
  AddDecide(*group, cli);
  AddServe(*group, cli);
  AddNotified(*group, cli);
  AddDetailsChange(*group, cli);
  AddApplication(*group, cli, v1::ORDER_APPLICATION_TYPE_VARIATION);
  AddApplication(*group, cli, v1::ORDER_APPLICATION_TYPE_RENEWAL);
  AddApplication(*group, cli, v1::ORDER_APPLICATION_TYPE_DISCHARGE);
  AddApplicationDecision(*group, cli);
  AddAppeal(*group, cli);
  AddAppealDecision(*group, cli);
  AddBreach(*group, cli);
  AddHistory(*group, cli);
  AddMeasures(*group, cli);
}

}  // namespace casebridge::cli
