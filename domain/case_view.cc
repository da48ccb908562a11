#include "domain/case_view.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace casebridge::domain {
namespace {

// A byte of a word: an ASCII letter or digit, or any byte of a non-ASCII
// character. Everything else separates words and is ignored in matching.
bool IsWordByte(unsigned char c) { return c >= 0x80 || absl::ascii_isalnum(c); }

char NormalByte(unsigned char c) {
  return static_cast<char>(c >= 0x80 ? c : absl::ascii_tolower(c));
}

// The normal form: word bytes only, ASCII lower-cased.
std::string Normalize(absl::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (IsWordByte(c)) out.push_back(NormalByte(c));
  }
  return out;
}

// `text` in normal form, with where each of its bytes came from, so a match
// in the normal form maps back to a span of the original text.
struct NormalText {
  explicit NormalText(absl::string_view text) {
    for (size_t i = 0; i < text.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(text[i]);
      if (!IsWordByte(c)) continue;
      chars.push_back(NormalByte(c));
      at.push_back(i);
    }
  }
  // A word starts at normal position i when a separator (or the start)
  // precedes it in the original, and ends there when one follows it.
  bool WordStarts(size_t i) const { return i == 0 || at[i - 1] + 1 != at[i]; }
  bool WordEnds(size_t i) const {
    return i + 1 == at.size() || at[i] + 1 != at[i + 1];
  }
  std::string chars;
  std::vector<size_t> at;
};

// The words of `text` (runs of word bytes), as written.
std::vector<absl::string_view> Words(absl::string_view text) {
  std::vector<absl::string_view> words;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && IsWordByte(static_cast<unsigned char>(text[i]))) continue;
    if (i > start) words.push_back(text.substr(start, i - start));
    start = i + 1;
  }
  return words;
}

bool IsAsciiAlpha(char c) { return absl::ascii_isalpha(static_cast<unsigned char>(c)); }
bool IsAsciiDigit(char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); }

// The outward code of a UK postcode: A9, A9A, A99, AA9, AA9A, AA99.
bool IsOutwardCode(absl::string_view w) {
  if (w.size() < 2 || w.size() > 4 || !IsAsciiAlpha(w[0])) return false;
  size_t i = IsAsciiAlpha(w[1]) ? 2 : 1;
  if (i >= w.size() || !IsAsciiDigit(w[i])) return false;
  ++i;
  if (i == w.size()) return true;
  if (i + 1 != w.size()) return false;
  return absl::ascii_isalnum(static_cast<unsigned char>(w[i]));
}

// The inward code: 9AA.
bool IsInwardCode(absl::string_view w) {
  return w.size() == 3 && IsAsciiDigit(w[0]) && IsAsciiAlpha(w[1]) &&
         IsAsciiAlpha(w[2]);
}

// Postcodes in `address`, written with or without the space: "ST1 1AA",
// "ST11AA".
std::vector<std::string> Postcodes(absl::string_view address) {
  std::vector<std::string> out;
  const std::vector<absl::string_view> words = Words(address);
  for (size_t i = 0; i < words.size(); ++i) {
    if (i + 1 < words.size() && IsOutwardCode(words[i]) &&
        IsInwardCode(words[i + 1])) {
      out.push_back(absl::StrCat(words[i], words[i + 1]));
    }
    const absl::string_view w = words[i];
    if (w.size() > 3 && IsOutwardCode(w.substr(0, w.size() - 3)) &&
        IsInwardCode(w.substr(w.size() - 3))) {
      out.push_back(std::string(w));
    }
  }
  return out;
}

bool HasDigit(absl::string_view text) {
  return std::any_of(text.begin(), text.end(), IsAsciiDigit);
}

// Replaces every whole-word occurrence of one normal-form needle.
std::string ReplaceNeedle(absl::string_view needle, absl::string_view text) {
  const NormalText normal(text);
  std::string out;
  size_t copied = 0;  // original bytes already copied to `out`
  size_t from = 0;    // normal position to search from
  while (true) {
    const size_t i = normal.chars.find(needle.data(), from, needle.size());
    if (i == std::string::npos) break;
    const size_t last = i + needle.size() - 1;
    if (!normal.WordStarts(i) || !normal.WordEnds(last)) {
      from = i + 1;
      continue;
    }
    absl::StrAppend(&out, text.substr(copied, normal.at[i] - copied),
                    kRestrictedTextMarker);
    copied = normal.at[last] + 1;
    from = last + 1;
  }
  if (copied == 0) return std::string(text);
  absl::StrAppend(&out, text.substr(copied));
  return out;
}

}  // namespace

void ApplyPersonView(v1::CaseView view, v1::Person* p) {
  if (view == v1::CASE_VIEW_FULL) return;
  if (p->address_restricted()) p->clear_address();
  if (view == v1::CASE_VIEW_SAFEGUARDING) p->clear_notes();
}

void RedactCaseToProsecutionView(v1::Case* c) {
  ApplyPersonView(v1::CASE_VIEW_PROSECUTION, c->mutable_victim());
  for (v1::Person& p : *c->mutable_suspects()) {
    ApplyPersonView(v1::CASE_VIEW_PROSECUTION, &p);
  }
  for (v1::Person& p : *c->mutable_protected_persons()) {
    ApplyPersonView(v1::CASE_VIEW_PROSECUTION, &p);
  }
  // The CPS reads but does not update the case record.
  c->clear_etag();
}

void RedactCaseToSafeguardingView(v1::Case* c) {
  if (c->has_victim()) {
    v1::Person* victim = c->mutable_victim();
    v1::Person kept;
    kept.set_given_name(victim->given_name());
    kept.set_family_name(victim->family_name());
    *kept.mutable_date_of_birth() = victim->date_of_birth();
    *kept.mutable_safe_contact() = victim->safe_contact();
    kept.set_address_restricted(victim->address_restricted());
    if (!victim->address_restricted()) kept.set_address(victim->address());
    *victim = std::move(kept);
  }
  for (v1::Person& p : *c->mutable_protected_persons()) {
    v1::Person kept;
    kept.set_given_name(p.given_name());
    kept.set_family_name(p.family_name());
    *kept.mutable_safe_contact() = p.safe_contact();
    kept.set_address_restricted(p.address_restricted());
    if (!p.address_restricted()) kept.set_address(p.address());
    p = std::move(kept);
  }
  c->clear_suspects();
  c->clear_summary();
  c->clear_close_reason();
  c->clear_relationship();
  c->clear_typology();
  c->clear_spo_consideration();
  c->clear_lawful_basis_notes();
  c->clear_etag();
  if (c->has_victim_services_referral()) {
    // Partners see whether the victim was referred, not who recorded it.
    c->mutable_victim_services_referral()->clear_reason();
    c->mutable_victim_services_referral()->clear_recorded_by();
  }
  // A defendant's overdue notification is police work on the order, which
  // partners do not see.
  auto* flags = c->mutable_flags();
  flags->erase(std::remove_if(flags->begin(), flags->end(),
                              [](const v1::CaseFlag& f) {
                                return f.type() ==
                                       v1::FLAG_TYPE_SPO_NOTIFICATION_OVERDUE;
                              }),
               flags->end());
  for (v1::CaseFlag& f : *c->mutable_flags()) f.clear_raised_by();
  if (c->has_pattern()) {
    // Risk indicators, not the incident detail behind them.
    const v1::CasePattern& p = c->pattern();
    v1::CasePattern kept;
    kept.set_course_of_conduct(p.course_of_conduct());
    kept.set_escalating(p.escalating());
    kept.set_highest_risk_indicator(p.highest_risk_indicator());
    kept.set_rapid_escalation(p.rapid_escalation());
    *c->mutable_pattern() = std::move(kept);
  }
}

void ApplyCaseView(v1::CaseView view, v1::Case* c) {
  c->set_view(view);
  // Read before the view removes the restricted addresses themselves.
  const std::vector<std::string> needles =
      view == v1::CASE_VIEW_FULL ? std::vector<std::string>()
                                 : RestrictedTextNeedles(RestrictedAddresses(*c));
  switch (view) {
    case v1::CASE_VIEW_FULL:
      return;
    case v1::CASE_VIEW_PROSECUTION:
      RedactCaseToProsecutionView(c);
      RedactRestrictedText(needles, c);
      return;
    case v1::CASE_VIEW_SAFEGUARDING:
      RedactCaseToSafeguardingView(c);
      RedactRestrictedText(needles, c);
      return;
    default: {
      // No view: nothing of the case but its name.
      std::string name = c->name();
      c->Clear();
      c->set_name(std::move(name));
      return;
    }
  }
}

std::vector<std::string> RestrictedAddresses(const v1::Case& c) {
  std::vector<std::string> out;
  auto add = [&out](const v1::Person& p) {
    if (p.address_restricted() && !p.address().empty()) out.push_back(p.address());
  };
  if (c.has_victim()) add(c.victim());
  for (const v1::Person& p : c.suspects()) add(p);
  for (const v1::Person& p : c.protected_persons()) add(p);
  return out;
}

std::vector<std::string> RestrictedTextNeedles(
    absl::Span<const std::string> restricted_addresses) {
  std::vector<std::string> needles;
  auto add = [&needles](absl::string_view text, size_t min_chars) {
    std::string normal = Normalize(text);
    if (normal.empty() || normal.size() < min_chars) return;
    if (std::find(needles.begin(), needles.end(), normal) == needles.end()) {
      needles.push_back(std::move(normal));
    }
  };
  for (const std::string& address : restricted_addresses) {
    add(address, 1);
    for (absl::string_view part : absl::StrSplit(address, absl::ByAnyChar(",;\n"))) {
      if (HasDigit(part)) add(part, kMinRestrictedPartChars);
    }
    for (const std::string& postcode : Postcodes(address)) {
      add(postcode, kMinRestrictedPartChars);
    }
  }
  std::sort(needles.begin(), needles.end(),
            [](const std::string& a, const std::string& b) {
              return a.size() != b.size() ? a.size() > b.size() : a < b;
            });
  return needles;
}

std::string RedactRestrictedString(absl::Span<const std::string> needles,
                                   absl::string_view text) {
  std::string out(text);
  for (const std::string& raw : needles) {
    const std::string needle = Normalize(raw);
    if (needle.empty()) continue;
    out = ReplaceNeedle(needle, out);
  }
  return out;
}

void RedactRestrictedText(absl::Span<const std::string> needles,
                          google::protobuf::Message* message) {
  if (needles.empty()) return;
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* r = message->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(*message, &fields);
  for (const FieldDescriptor* f : fields) {
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
        f->type() != FieldDescriptor::TYPE_BYTES) {
      // Identifiers, not text: a client addresses the resource (or the next
      // page) by them.
      if (f->name() == "name" || f->name() == "etag" ||
          f->name() == "next_page_token") {
        continue;
      }
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(*message, f); ++i) {
          r->SetRepeatedString(
              message, f, i,
              RedactRestrictedString(needles, r->GetRepeatedString(*message, f, i)));
        }
      } else {
        r->SetString(message, f,
                     RedactRestrictedString(needles, r->GetString(*message, f)));
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(*message, f); ++i) {
          RedactRestrictedText(needles, r->MutableRepeatedMessage(message, f, i));
        }
      } else {
        RedactRestrictedText(needles, r->MutableMessage(message, f));
      }
    }
  }
}

void ApplyRestrictedTextView(v1::CaseView view,
                             absl::Span<const std::string> needles,
                             google::protobuf::Message* message) {
  if (view == v1::CASE_VIEW_FULL) return;
  RedactRestrictedText(needles, message);
}

int TimelineBit(v1::CaseView view) {
  switch (view) {
    case v1::CASE_VIEW_FULL:
      return kTimelineFull;
    case v1::CASE_VIEW_PROSECUTION:
      return kTimelineProsecution;
    case v1::CASE_VIEW_SAFEGUARDING:
      return kTimelineSafeguarding;
    default:
      return 0;
  }
}

}  // namespace casebridge::domain
