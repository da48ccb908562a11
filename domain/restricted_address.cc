#include "domain/restricted_address.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "unicode/normalizer2.h"
#include "unicode/uchar.h"
#include "unicode/unistr.h"
#include "unicode/uspoof.h"
#include "unicode/utf16.h"
#include "unicode/utf8.h"

namespace casebridge::domain {
namespace {

constexpr size_t kNone = std::numeric_limits<size_t>::max();

// ---- Keys of characters ----------------------------------------------------
//
// Every code point of a text becomes zero or more key characters (lower-case,
// mostly ASCII, after NFKD, mark removal, case folding and the confusable
// skeleton) or a separator. Address and text share this one function, which
// is what makes the comparison consistent.

// Flags of a key character (and of a separator unit: kBreak).
constexpr uint8_t kNoFlags = 0;
constexpr uint8_t
  kDigit = 1,      // comes from a digit (postcode shapes, house numbers)
  kCont = 2,       // not the first key character of its source letter (the
                   // "n" of the "rn" that "m" becomes): no match starts or
                   // ends inside one letter
  kCanStart = 4,   // a word boundary before it: a match may begin here
  kCanEnd = 8,     // a word boundary after it: a match may end here
  kBreak = 16,     // separator ending an address component (",", line break)
                   // (key units only)
  kCamel = 32;     // an upper-case letter right after a lower-case one in
                   // a word ("BrambleCl"): a word boundary (key characters
                   // only)

// One unit of a code point's key: a key character, or a separator (c == 0).
struct KeyUnit {
  char32_t c;
  uint8_t flags;
};

// The case of the letter a code point is (for camel-case boundaries).
enum class LetterCase : uint8_t { kNone, kLower, kUpper };

struct CodePointKey {
  // Removed without splitting the word: format characters (soft hyphen,
  // zero-width space and joiners, BOM, bidi controls), combining marks and
  // other default-ignorable code points.
  bool joiner = false;
  LetterCase letter_case = LetterCase::kNone;
  absl::InlinedVector<KeyUnit, 2> units;
};

bool IsBreakChar(UChar32 c) {
  switch (c) {
    case ',': case ';': case '\n': case '\r': case '\v': case '\f':
    case '(': case ')': case '[': case ']': case '{': case '}': case '|':
    case 0x85: case 0x2028: case 0x2029:
      return true;
    default:
      return false;
  }
}

bool IsJoiner(UChar32 c) {
  const uint32_t mask = U_GET_GC_MASK(c);
  return (mask & (U_GC_MN_MASK | U_GC_ME_MASK | U_GC_CF_MASK)) != 0 ||
         u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
}

bool IsWordChar(UChar32 c) {
  return (U_GET_GC_MASK(c) & (U_GC_L_MASK | U_GC_N_MASK | U_GC_MC_MASK)) != 0;
}

bool IsAsciiAlnum(char32_t c) {
  return c < 128 && absl::ascii_isalnum(static_cast<unsigned char>(c));
}

// The per-code-point key function, with ICU's data. One instance per
// process, immutable after construction.
class UnicodeKeys {
 public:
  static const UnicodeKeys& Get() {
    // Never destroyed: threads may still use it during static destruction.
    static const UnicodeKeys* const keys = new UnicodeKeys();
    return *keys;
  }

  // The key of `c`. The reference is valid until the next call from the
  // same thread (the cache may be cleared then): use it at once.
  const CodePointKey& Of(char32_t c) const {
    if (c < 128) return ascii_[c];
    return OfNonAscii(c);
  }

 private:
  [[gnu::noinline]] const CodePointKey& OfNonAscii(char32_t c) const {
    // Per thread: no lock, no sharing. ICU is asked once per distinct
    // non-ASCII code point and thread; the bound keeps a flood of distinct
    // code points from growing it without limit.
    thread_local std::unordered_map<char32_t, CodePointKey> cache;
    auto it = cache.find(c);
    if (it != cache.end()) return it->second;
    if (cache.size() >= kMaxCached) cache.clear();
    return cache.emplace(c, Compute(c)).first->second;
  }

  static constexpr size_t kMaxCached = 4096;  // ~0.3 MB per thread at most

  UnicodeKeys() {
    UErrorCode status = U_ZERO_ERROR;
    nfkd_ = icu::Normalizer2::getNFKDInstance(status);
    if (U_FAILURE(status)) nfkd_ = nullptr;
    status = U_ZERO_ERROR;
    USpoofChecker* spoof = uspoof_open(&status);
    if (U_SUCCESS(status)) {
      spoof_ = spoof;  // never closed; only used through const functions
    } else if (spoof != nullptr) {
      uspoof_close(spoof);
    }
    // Upper-case Latin letters whose skeleton is another ASCII character
    // ("I" -> "l"): an upper-case non-Latin look-alike with that skeleton
    // (Cyrillic "І", Greek "Ι") is read as the Latin capital, so that it
    // case-folds the same way.
    for (char c = 'A'; c <= 'Z'; ++c) {
      std::u32string s = SkeletonOf(static_cast<UChar32>(c));
      if (s.size() == 1 && s[0] < 128 && s[0] != static_cast<char32_t>(c)) {
        capital_for_skeleton_[s[0]] = c;
      }
    }
    for (char32_t c = 0; c < 128; ++c) {
      CodePointKey& key = ascii_[c];
      if (!IsAsciiAlnum(c)) {
        key.units.push_back({0, IsBreakChar(static_cast<UChar32>(c))
                                    ? kBreak
                                    : kNoFlags});
        continue;
      }
      // Fold first ("I" must stay "i", as "i" does), then the skeleton
      // ("1" -> "l", "0" -> "O", "m" -> "rn"), then fold its result.
      const auto byte = static_cast<unsigned char>(c);
      key.letter_case = absl::ascii_isupper(byte)   ? LetterCase::kUpper
                        : absl::ascii_islower(byte) ? LetterCase::kLower
                                                    : LetterCase::kNone;
      const char32_t lower = absl::ascii_tolower(byte);
      std::u32string s = SkeletonOf(static_cast<UChar32>(lower));
      if (s.empty()) s = std::u32string(1, lower);
      const uint8_t digit = absl::ascii_isdigit(static_cast<unsigned char>(c))
                                ? kDigit
                                : kNoFlags;
      bool first = true;
      for (char32_t k : s) {
        const char32_t folded =
            k < 128 ? static_cast<char32_t>(
                          absl::ascii_tolower(static_cast<unsigned char>(k)))
                    : static_cast<char32_t>(u_foldCase(
                          static_cast<UChar32>(k), U_FOLD_CASE_DEFAULT));
        key.units.push_back(
            {folded, static_cast<uint8_t>(digit | (first ? 0 : kCont))});
        first = false;
      }
    }
  }

  // The confusable skeleton of one code point, combining marks and other
  // joiners removed (the skeleton is in NFD). Empty when ICU failed.
  std::u32string SkeletonOf(UChar32 x) const {
    if (spoof_ == nullptr) return {};
    UChar in[2];
    int32_t in_len = 0;
    UBool error = false;
    U16_APPEND(in, in_len, 2, x, error);
    if (error) return {};
    UChar out[64];
    UErrorCode status = U_ZERO_ERROR;
    const int32_t n = uspoof_getSkeleton(spoof_, 0, in, in_len, out, 64, &status);
    if (U_FAILURE(status) || n < 0 || n > 64) return {};
    std::u32string result;
    for (int32_t i = 0; i < n;) {
      UChar32 z;
      U16_NEXT(out, i, n, z);
      if (!IsJoiner(z)) result.push_back(static_cast<char32_t>(z));
    }
    return result;
  }

  // Appends the key units of ASCII `a`; `continues` marks its first key
  // character as continuing the letter being appended.
  void AppendAscii(char32_t a, bool continues, CodePointKey* key) const {
    bool first = true;
    for (KeyUnit unit : ascii_[a].units) {
      if (first && continues && unit.c != 0) unit.flags |= kCont;
      first = false;
      key->units.push_back(unit);
    }
  }

  // The ASCII letter (lower case) that a Latin small capital is, by its
  // Unicode name ("LATIN LETTER SMALL CAPITAL B" for U+0299 "ʙ"), else 0.
  // Neither NFKD nor the confusable skeleton maps most of them to ASCII (the
  // skeleton of "ʙ" is "ʙ", which is also that of Cyrillic "в").
  static char32_t SmallCapitalLetter(UChar32 x) {
    static constexpr std::string_view kPrefix = "LATIN LETTER SMALL CAPITAL ";
    char name[64];
    UErrorCode status = U_ZERO_ERROR;
    const int32_t n = u_charName(x, U_UNICODE_CHAR_NAME, name, sizeof name, &status);
    if (U_FAILURE(status) || n != static_cast<int32_t>(kPrefix.size()) + 1 ||
        std::string_view(name, kPrefix.size()) != kPrefix) {
      return 0;
    }
    const auto letter = static_cast<unsigned char>(name[kPrefix.size()]);
    return absl::ascii_isupper(letter) ? absl::ascii_tolower(letter) : 0;
  }

  // A non-ASCII letter or number (after NFKD).
  void AppendLetter(UChar32 x, CodePointKey* key) const {
    std::u32string s = SkeletonOf(x);
    // A Latin small capital, or a letter whose skeleton is one ("в" -> "ʙ"),
    // is the letter it is a capital of.
    char32_t small_capital = SmallCapitalLetter(x);
    if (small_capital == 0 && s.size() == 1) {
      small_capital = SmallCapitalLetter(static_cast<UChar32>(s[0]));
    }
    if (small_capital != 0) {
      AppendAscii(small_capital, false, key);
      return;
    }
    const auto all_ascii = [](const std::u32string& v) {
      return !v.empty() && std::all_of(v.begin(), v.end(),
                                       [](char32_t c) { return c < 128; });
    };
    if (all_ascii(s)) {
      // A look-alike of ASCII as written ("Β" Greek -> "B", "а" -> "a").
      if (s.size() == 1 && (u_isUUppercase(x) || u_istitle(x)) &&
          capital_for_skeleton_[s[0]] != 0) {
        s[0] = static_cast<char32_t>(capital_for_skeleton_[s[0]]);
      }
      bool first = true;
      for (char32_t a : s) {
        AppendAscii(a, !first, key);
        first = false;
      }
      return;
    }
    // Otherwise its case-folded form may be (a capital whose small letter
    // looks Latin), or it stays a letter of its own script, folded.
    icu::UnicodeString folded(x);
    folded.foldCase();
    bool first = true;
    for (int32_t i = 0; i < folded.length();) {
      const UChar32 y = folded.char32At(i);
      i += U16_LENGTH(y);
      std::u32string t = SkeletonOf(y);
      if (t.empty()) t = std::u32string(1, static_cast<char32_t>(y));
      if (all_ascii(t)) {
        for (char32_t a : t) {
          AppendAscii(a, !first, key);
          first = false;
        }
        continue;
      }
      for (char32_t z : t) {
        if (IsJoiner(static_cast<UChar32>(z))) continue;
        key->units.push_back(
            {static_cast<char32_t>(
                 u_foldCase(static_cast<UChar32>(z), U_FOLD_CASE_DEFAULT)),
             first ? kNoFlags : kCont});
        first = false;
      }
    }
  }

  CodePointKey Compute(char32_t c) const {
    CodePointKey key;
    const UChar32 cp = static_cast<UChar32>(c);
    if (IsJoiner(cp)) {
      key.joiner = true;
      return key;
    }
    if (u_isUUppercase(cp) || u_istitle(cp)) {
      key.letter_case = LetterCase::kUpper;
    } else if (u_isULowercase(cp)) {
      key.letter_case = LetterCase::kLower;
    }
    icu::UnicodeString decomposed(cp);
    if (nfkd_ != nullptr) {
      UErrorCode status = U_ZERO_ERROR;
      icu::UnicodeString d = nfkd_->normalize(decomposed, status);
      if (U_SUCCESS(status)) decomposed = d;
    }
    for (int32_t i = 0; i < decomposed.length();) {
      const UChar32 x = decomposed.char32At(i);
      i += U16_LENGTH(x);
      if (x < 128) {
        AppendAscii(static_cast<char32_t>(x), false, &key);
      } else if (IsJoiner(x)) {
        continue;
      } else if (u_charType(x) == U_DECIMAL_DIGIT_NUMBER &&
                 u_charDigitValue(x) >= 0 && u_charDigitValue(x) <= 9) {
        // Digits of every script are the ASCII digits.
        AppendAscii(static_cast<char32_t>('0' + u_charDigitValue(x)), false,
                    &key);
      } else if (IsWordChar(x)) {
        AppendLetter(x, &key);
      } else {
        key.units.push_back(
            {0, IsBreakChar(x) ? kBreak : kNoFlags});
      }
    }
    if (key.units.empty()) key.joiner = true;  // marks only, say
    return key;
  }

  const icu::Normalizer2* nfkd_ = nullptr;
  USpoofChecker* spoof_ = nullptr;
  std::array<CodePointKey, 128> ascii_;
  std::array<char, 128> capital_for_skeleton_{};
};

// ---- Decoding, with a map back to the original bytes ----------------------

// A code point (or, while URL-decoding, a byte) and the bytes of the original
// text it came from.
struct Unit {
  char32_t c;
  size_t begin;
  size_t end;
};

int HexValue(char32_t c) {
  if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<int>(c - 'A' + 10);
  return -1;
}

// The length of the UTF-8 sequence lead byte `b` starts (1 for ASCII), 0
// when it cannot start one.
int Utf8SequenceLength(int b) {
  if (b >= 0 && b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) return 2;
  if (b >= 0xE0 && b <= 0xEF) return 3;
  if (b >= 0xF0 && b <= 0xF4) return 4;
  return 0;
}

// Encoded escapes are three units each ("%C3", "=C3"), read by `escape_at`
// (the byte an escape at a position gives, or -1). `len`, the length the
// lead escape at `i` announces, when each escape after it gives a UTF-8
// continuation byte; 0 otherwise.
template <typename EscapeAt>
int EscapedSequenceLength(const EscapeAt& escape_at, size_t i, int len) {
  for (int k = 1; k < len; ++k) {
    const int t = escape_at(i + 3 * static_cast<size_t>(k));
    if (t < 0x80 || t > 0xBF) return 0;
  }
  return len;
}

// Appends the `len` bytes the escapes from `i` give, each spanning the
// original text of its escape.
template <typename EscapeAt>
void AppendEscapedBytes(const std::vector<Unit>& in, const EscapeAt& escape_at, size_t i,
                        int len, std::vector<Unit>* out) {
  for (int k = 0; k < len; ++k) {
    const size_t j = i + 3 * static_cast<size_t>(k);
    out->push_back({static_cast<char32_t>(escape_at(j)), in[j].begin, in[j + 2].end});
  }
}

// One round of %XX decoding over bytes. An escape is decoded when it gives
// ASCII or when it starts a complete UTF-8 sequence of escapes; otherwise
// ("50%ab", "100%") it stays as written. Returns whether anything changed.
[[gnu::noinline]] bool PercentDecodeRound(const std::vector<Unit>& in,
                                          std::vector<Unit>* out) {
  out->clear();
  out->reserve(in.size());
  const auto escape_at = [&in](size_t j) -> int {
    if (j + 2 >= in.size() || in[j].c != '%') return -1;
    const int hi = HexValue(in[j + 1].c);
    const int lo = HexValue(in[j + 2].c);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
  };
  bool changed = false;
  for (size_t i = 0; i < in.size();) {
    const int len = EscapedSequenceLength(escape_at, i, Utf8SequenceLength(escape_at(i)));
    if (len == 0) {
      out->push_back(in[i]);
      ++i;
      continue;
    }
    AppendEscapedBytes(in, escape_at, i, len, out);
    i += 3 * static_cast<size_t>(len);
    changed = true;
  }
  return changed;
}

// One round of quoted-printable decoding over bytes (RFC 2045: "=20", soft
// line breaks "=\n"), only between two word bytes (an ASCII letter or digit
// or a byte of a non-ASCII character), since "=" also starts the value of a
// query string ("?q=14%20Bramble"): an escape "=XX" (upper-case hex) that
// gives a space or a tab, or a complete UTF-8 sequence of escapes
// ("=C2=A0"); a soft line break is removed, joining the word it split.
// Returns whether anything changed.
[[gnu::noinline]] bool QuotedPrintableRound(const std::vector<Unit>& in,
                                            std::vector<Unit>* out) {
  out->clear();
  out->reserve(in.size());
  const auto upper_hex = [](char32_t c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') ? HexValue(c) : -1;
  };
  const auto escape_at = [&in, &upper_hex](size_t j) -> int {
    if (j + 2 >= in.size() || in[j].c != '=') return -1;
    const int hi = upper_hex(in[j + 1].c);
    const int lo = upper_hex(in[j + 2].c);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
  };
  const auto word_byte = [&in](size_t j) {
    return j < in.size() && (in[j].c >= 0x80 || IsAsciiAlnum(in[j].c));
  };
  bool changed = false;
  for (size_t i = 0; i < in.size();) {
    if (in[i].c != '=' || i == 0 || !word_byte(i - 1)) {
      out->push_back(in[i]);
      ++i;
      continue;
    }
    // A soft line break: "=\n" or "=\r\n".
    size_t after = i + 1;
    if (after < in.size() && in[after].c == '\r') ++after;
    if (after < in.size() && in[after].c == '\n' && word_byte(after + 1)) {
      i = after + 1;
      changed = true;
      continue;
    }
    const int b = escape_at(i);
    const int len = EscapedSequenceLength(
        escape_at, i, b == ' ' || b == '\t' ? 1 : b >= 0x80 ? Utf8SequenceLength(b) : 0);
    after = i + 3 * static_cast<size_t>(len);
    if (len == 0 || !(word_byte(after) || escape_at(after) >= 0)) {
      out->push_back(in[i]);
      ++i;
      continue;
    }
    AppendEscapedBytes(in, escape_at, i, len, out);
    i = after;
    changed = true;
  }
  return changed;
}

// UTF-8 bytes (with the original span of each byte) to code points; each
// ill-formed sequence becomes U+FFFD, a separator.
template <typename BeginOf, typename EndOf>
void DecodeUtf8(const char* bytes, int64_t length, BeginOf begin_of,
                EndOf end_of, std::vector<Unit>* out) {
  const auto* s = reinterpret_cast<const uint8_t*>(bytes);
  for (int64_t i = 0; i < length;) {
    const int64_t start = i;
    UChar32 c;
    U8_NEXT_OR_FFFD(s, i, length, c);
    out->push_back({static_cast<char32_t>(c),
                    begin_of(static_cast<size_t>(start)),
                    end_of(static_cast<size_t>(i - 1))});
  }
}

struct NamedReference {
  std::string_view name;
  char32_t c;
};

// The HTML character references text pasted from a web page or an e-mail
// most often carries (spaces, invisible characters, dashes, punctuation).
constexpr NamedReference kNamedReferences[] = {
    {"nbsp", 0xA0},      {"shy", 0xAD},       {"amp", '&'},
    {"lt", '<'},         {"gt", '>'},         {"quot", '"'},
    {"apos", '\''},      {"ensp", 0x2002},    {"emsp", 0x2003},
    {"emsp13", 0x2004},  {"emsp14", 0x2005},  {"numsp", 0x2007},
    {"puncsp", 0x2008},  {"thinsp", 0x2009},  {"hairsp", 0x200A},
    {"zwsp", 0x200B},    {"zerowidthspace", 0x200B},
    {"zwnj", 0x200C},    {"zwj", 0x200D},     {"lrm", 0x200E},
    {"rlm", 0x200F},     {"hyphen", 0x2010},  {"dash", 0x2010},
    {"ndash", 0x2013},   {"mdash", 0x2014},   {"nobreak", 0x2060},
    {"nonbreakingspace", 0xA0},               {"mediumspace", 0x205F},
    {"newline", '\n'},   {"tab", '\t'},       {"comma", ','},
    {"period", '.'},     {"sol", '/'},        {"lpar", '('},
    {"rpar", ')'},       {"colon", ':'},      {"semi", ';'},
    {"rsquo", 0x2019},   {"lsquo", 0x2018},   {"bull", 0x2022},
    {"middot", 0xB7},
};

// The code point of the reference named by `name` (between '&' and ';'), or
// 0 when it is not one we decode.
char32_t ReferenceValue(const std::u32string& name) {
  if (name.size() >= 2 && name[0] == '#') {
    const bool hex = name[1] == 'x' || name[1] == 'X';
    const size_t first = hex ? 2 : 1;
    if (first >= name.size() || name.size() - first > 8) return 0;
    uint32_t value = 0;
    for (size_t i = first; i < name.size(); ++i) {
      const int d = HexValue(name[i]);
      if (d < 0 || (!hex && d > 9)) return 0;
      value = value * (hex ? 16 : 10) + static_cast<uint32_t>(d);
    }
    if (value == 0 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
      return 0;
    return static_cast<char32_t>(value);
  }
  if (name.empty() || name.size() > 16) return 0;
  std::string ascii;
  for (char32_t c : name) {
    if (!IsAsciiAlnum(c)) return 0;
    ascii.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
  }
  for (const NamedReference& ref : kNamedReferences) {
    if (ref.name == ascii) return ref.c;
  }
  return 0;
}

// One round of HTML character reference decoding. Returns whether anything
// changed.
[[gnu::noinline]] bool DecodeHtmlReferences(std::vector<Unit>* units) {
  const std::vector<Unit>& in = *units;
  std::vector<Unit> out;
  out.reserve(in.size());
  std::u32string name;
  bool changed = false;
  for (size_t i = 0; i < in.size();) {
    if (in[i].c == '&') {
      name.clear();
      size_t j = i + 1;
      while (j < in.size() && j - i <= 18 && in[j].c != ';' &&
             (IsAsciiAlnum(in[j].c) || in[j].c == '#')) {
        name.push_back(in[j].c);
        ++j;
      }
      if (j < in.size() && in[j].c == ';') {
        const char32_t value = ReferenceValue(name);
        if (value != 0) {
          out.push_back({value, in[i].begin, in[j].end});
          i = j + 1;
          changed = true;
          continue;
        }
      }
    }
    out.push_back(in[i]);
    ++i;
  }
  *units = std::move(out);
  return changed;
}

// One round of JSON (and JavaScript, Python) "\uXXXX" escapes, with
// surrogate pairs ("\ud83c\udfe0"); a lone surrogate or "\u0000" stays as
// written. The one-letter escapes ("\n", "\t") are not decoded: the letter
// may as well begin a word after a backslash ("C:\tunstall"). Returns
// whether anything changed.
[[gnu::noinline]] bool DecodeJsonEscapes(std::vector<Unit>* units) {
  const std::vector<Unit>& in = *units;
  const auto escape_at = [&in](size_t j) -> int32_t {
    if (j + 5 >= in.size() || in[j].c != '\\' || in[j + 1].c != 'u') {
      return -1;
    }
    int32_t value = 0;
    for (size_t k = j + 2; k < j + 6; ++k) {
      const int d = HexValue(in[k].c);
      if (d < 0) return -1;
      value = value * 16 + d;
    }
    return value;
  };
  std::vector<Unit> out;
  out.reserve(in.size());
  bool changed = false;
  for (size_t i = 0; i < in.size();) {
    const int32_t v = escape_at(i);
    if (v > 0 && !U16_IS_SURROGATE(v)) {
      out.push_back({static_cast<char32_t>(v), in[i].begin, in[i + 5].end});
      i += 6;
      changed = true;
      continue;
    }
    if (v > 0 && U16_IS_SURROGATE_LEAD(v)) {
      const int32_t trail = escape_at(i + 6);
      if (trail > 0 && U16_IS_TRAIL(trail)) {
        out.push_back({static_cast<char32_t>(U16_GET_SUPPLEMENTARY(v, trail)),
                       in[i].begin, in[i + 11].end});
        i += 12;
        changed = true;
        continue;
      }
    }
    out.push_back(in[i]);
    ++i;
  }
  *units = std::move(out);
  return changed;
}

// Step 1 of the pipeline: the code points of `text` after URL,
// quoted-printable, HTML and JSON decoding, each with its span of original
// bytes.
std::vector<Unit> Decode(absl::string_view text) {
  std::vector<Unit> code_points;
  code_points.reserve(text.size());
  const auto length = static_cast<int64_t>(text.size());
  const auto has = [text](char c) {
    return text.find(c) != absl::string_view::npos;
  };
  const bool percent = has('%');
  const bool byte_escapes = percent || has('=');
  const bool escapes = percent || has('&') || has('\\');
  if (!byte_escapes) {
    DecodeUtf8(text.data(), length, [](size_t i) { return i; },
               [](size_t i) { return i + 1; }, &code_points);
  } else {
    std::vector<Unit> bytes;
    bytes.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
      bytes.push_back({static_cast<unsigned char>(text[i]), i, i + 1});
    }
    // Up to three rounds: a link inside a link (an Outlook "safe link") is
    // encoded twice ("%2520").
    std::vector<Unit> decoded;
    for (int round = 0; round < 3; ++round) {
      bool changed = false;
      if (PercentDecodeRound(bytes, &decoded)) {
        bytes.swap(decoded);
        changed = true;
      }
      if (QuotedPrintableRound(bytes, &decoded)) {
        bytes.swap(decoded);
        changed = true;
      }
      if (!changed) break;
    }
    std::string raw;
    raw.reserve(bytes.size());
    for (const Unit& b : bytes) raw.push_back(static_cast<char>(b.c));
    DecodeUtf8(raw.data(), static_cast<int64_t>(raw.size()),
               [&bytes](size_t i) { return bytes[i].begin; },
               [&bytes](size_t i) { return bytes[i].end; }, &code_points);
  }
  // Up to three rounds too: text from an HTML source is often escaped twice
  // ("&amp;nbsp;"). ("&" and "\\" may come from %XX escapes.)
  for (int round = 0; round < 3 && escapes; ++round) {
    bool changed = false;
    if (std::any_of(code_points.begin(), code_points.end(),
                    [](const Unit& u) { return u.c == '&'; })) {
      changed = DecodeHtmlReferences(&code_points);
    }
    if (std::any_of(code_points.begin(), code_points.end(),
                    [](const Unit& u) { return u.c == '\\'; })) {
      changed = DecodeJsonEscapes(&code_points) || changed;
    }
    if (!changed) break;
  }
  return code_points;
}

// ---- Words -----------------------------------------------------------------

struct KeyChar {
  char32_t c;
  uint8_t flags;
  size_t begin;  // original bytes
  size_t end;
};

struct Token {
  size_t first;        // [first, last) in Stream::chars
  size_t last;
  bool break_before;   // an address component starts here
  bool camel = false;  // a kCamel character inside
};

// The normalised text: key characters (separators removed) and the words
// they form.
struct Stream {
  std::vector<KeyChar> chars;
  std::vector<Token> tokens;
};

// Step 2: keys of the code points, split into words.
Stream Tokenise(const std::vector<Unit>& code_points) {
  const UnicodeKeys& keys = UnicodeKeys::Get();
  Stream s;
  s.chars.reserve(code_points.size());
  bool in_token = false;
  bool pending_break = false;
  bool soft = false;  // a joiner since the last key character
  bool after_lower = false;  // the last letter of the word is lower-case
  size_t pending_begin = kNone;  // a joiner before a word's first character
  const auto close = [&] {
    if (in_token) {
      s.tokens.back().last = s.chars.size();
      s.chars.back().flags |= kCanEnd;
      in_token = false;
    }
    soft = false;
  };
  for (const Unit& u : code_points) {
    const CodePointKey& key = keys.Of(u.c);
    if (key.joiner) {
      if (in_token) {
        s.chars.back().end = u.end;  // redacted with the letter before it
        soft = true;
      } else if (pending_begin == kNone) {
        pending_begin = u.begin;
      }
      continue;
    }
    // "BrambleCl": a lower-case letter then an upper-case one.
    const bool camel = in_token & after_lower &
                       (key.letter_case == LetterCase::kUpper);
    after_lower = key.letter_case == LetterCase::kLower;
    for (const KeyUnit& unit : key.units) {
      if (unit.c == 0) {
        close();
        pending_begin = kNone;
        after_lower = false;
        if ((unit.flags & kBreak) != 0) pending_break = true;
        continue;
      }
      KeyChar kc{unit.c, static_cast<uint8_t>(unit.flags & (kDigit | kCont)),
                 u.begin, u.end};
      if (camel && (kc.flags & kCont) == 0) kc.flags |= kCamel;
      if (!in_token) {
        kc.flags |= kCanStart;
        if (pending_begin != kNone) kc.begin = pending_begin;
        pending_begin = kNone;
        s.tokens.push_back({s.chars.size(), 0, pending_break});
        pending_break = false;
        in_token = true;
      } else if ((kc.flags & kCont) == 0) {
        // Inside a word, a change between digits and letters ("114Bramble",
        // "st14qx"), from a lower-case to an upper-case letter
        // ("VisitBrambleClose") and an invisible character are boundaries
        // too.
        KeyChar& prev = s.chars.back();
        if (soft || (kc.flags & kCamel) != 0 ||
            (prev.flags & kDigit) != (kc.flags & kDigit)) {
          prev.flags |= kCanEnd;
          kc.flags |= kCanStart;
        }
      }
      if ((kc.flags & kCamel) != 0) s.tokens.back().camel = true;
      soft = false;
      s.chars.push_back(kc);
    }
  }
  close();
  return s;
}

// The key of an ASCII word, through the same pipeline as any text.
std::u32string KeyOfWord(absl::string_view word) {
  Stream s = Tokenise(Decode(word));
  std::u32string key;
  for (const KeyChar& c : s.chars) key.push_back(c.c);
  return key;
}

// 'D' or 'L' per source character of token `t` (a letter the skeleton
// turned into two, "m" -> "rn", counts once).
std::string ShapeOf(const Stream& s, size_t t) {
  std::string shape;
  for (size_t i = s.tokens[t].first; i < s.tokens[t].last; ++i) {
    if ((s.chars[i].flags & kCont) != 0) continue;
    shape.push_back((s.chars[i].flags & kDigit) != 0 ? 'D' : 'L');
  }
  return shape;
}

// A UK postcode's shape, spaces removed: outward code (A9, A99, A9A, AA9,
// AA99, AA9A) and inward code (9AA).
bool IsPostcodeShape(const std::string& shape) {
  if (shape.size() < 5 || shape.size() > 7) return false;
  if (shape.compare(shape.size() - 3, 3, "DLL") != 0) return false;
  const std::string outward = shape.substr(0, shape.size() - 3);
  return outward == "LD" || outward == "LDD" || outward == "LDL" ||
         outward == "LLD" || outward == "LLDD" || outward == "LLDL";
}

// Like ShapeOf, with 'E' (either) for a letter that is typed for a digit in
// a postcode: "I" or "l" for 1, "O" for 0 (keys "i", "l", "o").
std::string LooseShapeOf(const Stream& s, size_t t) {
  std::string shape;
  for (size_t i = s.tokens[t].first; i < s.tokens[t].last; ++i) {
    const KeyChar& c = s.chars[i];
    if ((c.flags & kCont) != 0) continue;
    if ((c.flags & kDigit) != 0) {
      shape.push_back('D');
    } else {
      shape.push_back(c.c == 'i' || c.c == 'l' || c.c == 'o' ? 'E' : 'L');
    }
  }
  return shape;
}

// IsPostcodeShape for a LooseShapeOf shape.
bool IsLoosePostcodeShape(const std::string& shape) {
  static constexpr std::string_view kShapes[] = {
      "LDDLL", "LDDDLL", "LDLDLL", "LLDDLL", "LLDDDLL", "LLDLDLL"};
  for (std::string_view candidate : kShapes) {
    if (candidate.size() != shape.size()) continue;
    bool fits = true;
    for (size_t i = 0; i < shape.size() && fits; ++i) {
      fits = shape[i] == 'E' || shape[i] == candidate[i];
    }
    if (fits) return true;
  }
  return false;
}

struct U32Hash {
  using is_transparent = void;
  size_t operator()(std::u32string_view v) const {
    return std::hash<std::u32string_view>{}(v);
  }
};
struct U32Eq {
  using is_transparent = void;
  bool operator()(std::u32string_view a, std::u32string_view b) const {
    return a == b;
  }
};
using U32Set = absl::flat_hash_set<std::u32string, U32Hash, U32Eq>;
template <typename V>
using U32Map = absl::flat_hash_map<std::u32string, V, U32Hash, U32Eq>;

struct NumberWord {
  enum Kind : uint8_t { kUnit, kTeen, kTens, kHundred, kThousand };
  int value;
  Kind kind;
  bool ordinal;
};

// UK street types and their usual abbreviations; the first word of each
// line is the canonical one. English and Welsh.
constexpr std::string_view kStreetTypes[] = {
    "street st str strt saint",  // "St" is both; one word serves both
    "road rd",
    "avenue ave av avn aven",
    "close cl clo",
    "crescent cres cresc crs cr",
    "lane ln la",
    "drive dr drv",
    "court ct crt",
    "gardens gdns gdn garden gardns",
    "place pl",
    "square sq sqr",
    "terrace terr ter tce terace",
    "grove gr gro grv",
    "park pk",
    "way wy",
    "walk wk wlk",
    "mews mws",
    "parade pde",
    "rise ri",
    "green grn",
    "hill hl",
    "mount mt",
    "heights hts",
    "boulevard blvd bvd",
    "causeway cswy",
    "circus circ",
    "embankment emb",
    "esplanade esp",
    "approach app appr",
    "promenade prom",
    "view vw",
    "yard yd",
    "wharf whf",
    "meadows meadow mdws mdw",
    "buildings bldgs",
    "villas",
    "gate",
    "croft",
    "chase",
    "row",
    "vale",
    "wynd",
    "quay",
    "ridge",
    "end",
    "fold",
    "garth",
    "dale",
    "mead",
    "bank",
    "brow",
    "path",
    "link",
    "mall",
    "precinct",
    "passage",
    "alley",
    "glade",
    "dell",
    "hollow",
    // Welsh: heol (road), ffordd (way), stryd (street), lon (lane), cilgant
    // (crescent), rhodfa (avenue), clos, teras, sgwar, maes (field), llwyn
    // (grove), rhes (row), cwrt (court).
    "heol",
    "ffordd",
    "stryd",
    "lon",
    "cilgant",
    "rhodfa",
    "clos",
    "teras",
    "sgwar",
    "maes",
    "llwyn",
    "rhes",
    "cwrt",
};

// Words of a flat designation ("Apt 2" = "Flat 2").
constexpr std::string_view kFlatWords = "flat flt apartment apt appt unit maisonette";

// Words that make a street name ordinary rather than distinctive: compass
// and size words (English and Welsh), with abbreviations.
constexpr std::string_view kQualifiers[] = {
    "north nth", "south sth", "east", "west", "upper upr", "lower lwr",
    "old", "new", "high", "main", "great gt", "little", "middle", "front",
    "back", "far", "near", "nether", "uchaf", "isaf", "fawr", "fach",
    "newydd", "hen",
};

constexpr std::string_view kArticles = "the y yr";

// Words that make a house name the name of one building ("The Willows
// Refuge", "Bramble House"), besides the street types ("Bramble Court").
// Not the words for a kind of home ("cottage", "farm", "barn", "bungalow"):
// "a rose cottage", "the old farm" describe a house as often as they name
// one.
constexpr std::string_view kBuildingWords =
    "refuge house lodge hall manor grange hostel shelter tower towers "
    "mansions centre center priory abbey rectory vicarage chambers";

std::vector<absl::string_view> Words(std::string_view line) {
  return absl::StrSplit(absl::string_view(line.data(), line.size()), ' ',
                        absl::SkipEmpty());
}

// The word tables, keyed by the keys of their words (so a table word typed
// with look-alike letters is still found).
class Vocabulary {
 public:
  static const Vocabulary& Get() {
    static const Vocabulary* const vocabulary = new Vocabulary();
    return *vocabulary;
  }

  const NumberWord* Number(std::u32string_view key) const {
    auto it = numbers_.find(key);
    return it == numbers_.end() ? nullptr : &it->second;
  }
  bool IsAnd(std::u32string_view key) const { return key == and_; }
  // The canonical key of a street type, flat word or qualifier, or null.
  const std::u32string* Canonical(std::u32string_view key) const {
    auto it = canonical_.find(key);
    return it == canonical_.end() ? nullptr : &it->second;
  }
  bool IsStreetType(std::u32string_view key) const {
    return street_types_.contains(key);
  }
  bool IsQualifier(std::u32string_view key) const {
    return qualifiers_.contains(key);
  }
  bool IsArticle(std::u32string_view key) const {
    return articles_.contains(key);
  }
  bool IsBuildingWord(std::u32string_view key) const {
    return building_words_.contains(key);
  }
  bool IsFlat(std::u32string_view key) const { return key == flat_; }
  size_t max_word_chars() const { return max_word_chars_; }

 private:
  Vocabulary() {
    const std::string_view units[] = {"zero", "one", "two",   "three", "four",
                                      "five", "six", "seven", "eight", "nine"};
    const std::string_view unit_ordinals[] = {
        "zeroth", "first", "second", "third",   "fourth",
        "fifth",  "sixth", "seventh", "eighth", "ninth"};
    const std::string_view teens[] = {
        "ten",     "eleven",  "twelve",    "thirteen", "fourteen",
        "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
    const std::string_view teen_ordinals[] = {
        "tenth",       "eleventh",    "twelfth",      "thirteenth",
        "fourteenth",  "fifteenth",   "sixteenth",    "seventeenth",
        "eighteenth",  "nineteenth"};
    const std::string_view tens[] = {"twenty", "thirty",  "forty", "fifty",
                                     "sixty",  "seventy", "eighty", "ninety"};
    const std::string_view tens_ordinals[] = {
        "twentieth", "thirtieth",  "fortieth",  "fiftieth",
        "sixtieth",  "seventieth", "eightieth", "ninetieth"};
    for (int i = 0; i < 10; ++i) {
      AddNumber(units[i], {i, NumberWord::kUnit, false});
      AddNumber(unit_ordinals[i], {i, NumberWord::kUnit, true});
      AddNumber(teens[i], {10 + i, NumberWord::kTeen, false});
      AddNumber(teen_ordinals[i], {10 + i, NumberWord::kTeen, true});
    }
    for (int i = 0; i < 8; ++i) {
      AddNumber(tens[i], {20 + 10 * i, NumberWord::kTens, false});
      AddNumber(tens_ordinals[i], {20 + 10 * i, NumberWord::kTens, true});
    }
    AddNumber("fourty", {40, NumberWord::kTens, false});  // a common spelling
    AddNumber("hundred", {100, NumberWord::kHundred, false});
    AddNumber("hundredth", {100, NumberWord::kHundred, true});
    AddNumber("thousand", {1000, NumberWord::kThousand, false});
    AddNumber("thousandth", {1000, NumberWord::kThousand, true});
    and_ = KeyOfWord("and");

    for (std::string_view line : kStreetTypes) {
      const std::u32string canonical = AddSynonyms(line);
      street_types_.insert(canonical);
    }
    flat_ = AddSynonyms(kFlatWords);
    for (std::string_view line : kQualifiers) {
      qualifiers_.insert(AddSynonyms(line));
    }
    for (absl::string_view word : Words(kArticles)) {
      articles_.insert(KeyOfWord(word));
    }
    for (absl::string_view word : Words(kBuildingWords)) {
      building_words_.insert(KeyOfWord(word));
    }
  }

  void AddNumber(std::string_view word, NumberWord number) {
    std::u32string key = KeyOfWord(absl::string_view(word.data(), word.size()));
    max_word_chars_ = std::max(max_word_chars_, key.size());
    numbers_.emplace(std::move(key), number);
  }

  // Maps every word of `line` to its first; returns the first's key.
  std::u32string AddSynonyms(std::string_view line) {
    const std::vector<absl::string_view> words = Words(line);
    const std::u32string canonical = KeyOfWord(words.front());
    for (absl::string_view word : words) {
      std::u32string key = KeyOfWord(word);
      max_word_chars_ = std::max(max_word_chars_, key.size());
      canonical_.emplace(std::move(key), canonical);
    }
    return canonical;
  }

  U32Map<NumberWord> numbers_;
  std::u32string and_;
  U32Map<std::u32string> canonical_;
  U32Set street_types_;
  U32Set qualifiers_;
  U32Set articles_;
  U32Set building_words_;
  std::u32string flat_;
  size_t max_word_chars_ = 0;
};

enum class NumberState { kNothing, kUnit, kTeen, kTens, kHundred, kThousand, kAnd };

// Whether number word `n` may follow what was read so far; if so, adds it.
bool AcceptNumberWord(const NumberWord& n, NumberState* last, int* total,
                      int* group) {
  using S = NumberState;
  const bool after_nothing_or_scale = *last == S::kNothing ||
                                      *last == S::kHundred ||
                                      *last == S::kThousand || *last == S::kAnd;
  switch (n.kind) {
    case NumberWord::kUnit:
      if (!after_nothing_or_scale && *last != S::kTens) return false;
      *group += n.value;
      *last = S::kUnit;
      return true;
    case NumberWord::kTeen:
    case NumberWord::kTens:
      if (!after_nothing_or_scale) return false;
      *group += n.value;
      *last = n.kind == NumberWord::kTeen ? S::kTeen : S::kTens;
      return true;
    case NumberWord::kHundred:
      if (*last != S::kUnit || *group < 1 || *group > 9) return false;
      *group *= 100;
      *last = S::kHundred;
      return true;
    case NumberWord::kThousand:
      if (*last == S::kNothing || *last == S::kAnd || *last == S::kThousand ||
          *total != 0) {
        return false;
      }
      *total = *group * 1000;
      *group = 0;
      *last = S::kThousand;
      return true;
  }
  return false;
}

// Reads number words from token `t` on ("one hundred and two", "twenty-one",
// "fourteenth"); none across an address component break. On success sets
// `consumed` (tokens) and `digits` ("102", "21", "14th").
template <typename KeyOf>
bool ParseNumberWords(const Stream& in, size_t t, const KeyOf& key_of,
                      const Vocabulary& vocabulary, size_t* consumed,
                      std::string* digits) {
  using S = NumberState;
  S last = S::kNothing;
  int total = 0;
  int group = 0;
  bool ordinal = false;
  size_t end = t;
  for (size_t j = t; j < in.tokens.size() && !ordinal; ++j) {
    if (j > t && in.tokens[j].break_before) break;
    const std::u32string_view key = key_of(j);
    if (key.empty()) break;
    if (vocabulary.IsAnd(key)) {
      // Only inside a number: "one hundred and two".
      if ((last != S::kHundred && last != S::kThousand) ||
          j + 1 >= in.tokens.size() || in.tokens[j + 1].break_before) {
        break;
      }
      const std::u32string_view next = key_of(j + 1);
      const NumberWord* n = next.empty() ? nullptr : vocabulary.Number(next);
      if (n == nullptr || n->kind == NumberWord::kHundred ||
          n->kind == NumberWord::kThousand) {
        break;
      }
      last = S::kAnd;
      continue;
    }
    const NumberWord* n = vocabulary.Number(key);
    if (n == nullptr || !AcceptNumberWord(*n, &last, &total, &group)) break;
    ordinal = n->ordinal;
    end = j + 1;
  }
  if (end == t) return false;
  const int value = total + group;
  *digits = absl::StrCat(value);
  if (ordinal) {
    const int tens = value % 100;
    const int unit = value % 10;
    if (tens >= 11 && tens <= 13) absl::StrAppend(digits, "th");
    else if (unit == 1) absl::StrAppend(digits, "st");
    else if (unit == 2) absl::StrAppend(digits, "nd");
    else if (unit == 3) absl::StrAppend(digits, "rd");
    else absl::StrAppend(digits, "th");
  }
  *consumed = end - t;
  return true;
}

// Appends a word made of `keys` standing for tokens [first, last) of `in`
// (one span, no boundaries inside).
void EmitWord(const Stream& in, size_t first, size_t last,
              absl::Span<const KeyUnit> keys, Stream* out) {
  const size_t begin = in.chars[in.tokens[first].first].begin;
  const size_t end = in.chars[in.tokens[last - 1].last - 1].end;
  out->tokens.push_back(
      {out->chars.size(), 0, in.tokens[first].break_before});
  for (const KeyUnit& k : keys) {
    out->chars.push_back({k.c, static_cast<uint8_t>(k.flags & kDigit), begin, end});
  }
  out->chars[out->tokens.back().first].flags |= kCanStart;
  out->chars.back().flags |= kCanEnd;
  out->tokens.back().last = out->chars.size();
}

// The key of token `t` of `in` in `scratch`, or empty when it is longer than
// any vocabulary word.
[[gnu::always_inline]] inline std::u32string_view KeyOfToken(
    const Stream& in, size_t t, size_t max_chars, std::u32string* scratch) {
  const Token& token = in.tokens[t];
  if (token.last - token.first > max_chars) return {};
  scratch->clear();
  for (size_t i = token.first; i < token.last; ++i) {
    scratch->push_back(in.chars[i].c);
  }
  return *scratch;
}

// Step 3: number words to digits; street types, flat words and qualifiers
// to their canonical word. A word that begins with a digit is none of the
// latter ("1a", whose key is "la", is a house number, not "Lane"); a street
// type run into the word before it with a capital letter ("BrambleCl") is
// one.
Stream Canonicalise(const Stream& in) {
  const Vocabulary& vocabulary = Vocabulary::Get();
  const UnicodeKeys& keys = UnicodeKeys::Get();
  Stream out;
  out.chars.reserve(in.chars.size() + 8);
  out.tokens.reserve(in.tokens.size());
  std::u32string scratch;
  std::u32string ahead_scratch;
  std::u32string suffix;
  const auto key_of = [&](size_t t) {
    return KeyOfToken(in, t, vocabulary.max_word_chars(), &scratch);
  };
  const auto ahead_key_of = [&](size_t t) {
    return KeyOfToken(in, t, vocabulary.max_word_chars(), &ahead_scratch);
  };
  std::string ahead_digits;
  // Whether token `t` and one to three words after it (same component, a
  // number in words counting as its digits) have a postcode's shape ("ST 1
  // 4QX", "CR 0 2AB", "ST I 4QX", "ST one four QX"): then "ST" is no
  // "Street".
  const auto starts_postcode = [&](size_t t) {
    std::string shape = LooseShapeOf(in, t);
    size_t k = t + 1;
    for (int words = 0; words < 3 && k < in.tokens.size(); ++words) {
      if (in.tokens[k].break_before) return false;
      size_t consumed = 0;
      if (ParseNumberWords(in, k, ahead_key_of, vocabulary, &consumed,
                           &ahead_digits)) {
        for (char d : ahead_digits) {
          shape.push_back(absl::ascii_isdigit(static_cast<unsigned char>(d)) ? 'D'
                                                                              : 'L');
        }
        k += consumed;
      } else {
        shape += LooseShapeOf(in, k);
        ++k;
      }
      if (IsLoosePostcodeShape(shape)) return true;
    }
    return false;
  };
  std::vector<KeyUnit> word;
  std::string digits;
  for (size_t t = 0; t < in.tokens.size();) {
    size_t consumed = 0;
    if (ParseNumberWords(in, t, key_of, vocabulary, &consumed, &digits)) {
      word.clear();
      for (char d : digits) {
        for (const KeyUnit& unit : keys.Of(static_cast<unsigned char>(d)).units) {
          word.push_back(unit);
        }
      }
      EmitWord(in, t, t + consumed, word, &out);
      t += consumed;
      continue;
    }
    const Token& token = in.tokens[t];
    const std::u32string_view key =
        (in.chars[token.first].flags & kDigit) != 0 ? std::u32string_view()
                                                    : key_of(t);
    const std::u32string* canonical =
        key.empty() ? nullptr : vocabulary.Canonical(key);
    if (canonical != nullptr && *canonical != key && !starts_postcode(t)) {
      word.clear();
      for (char32_t c : *canonical) word.push_back({c, 0});
      EmitWord(in, t, t + 1, word, &out);
      ++t;
      continue;
    }
    // The last camel-case part of the word, if it is a street type written
    // otherwise than canonically ("Cl" of "BrambleCl").
    size_t camel = kNone;
    for (size_t i = token.last; token.camel && i-- > token.first + 1;) {
      if ((in.chars[i].flags & kCamel) != 0) {
        camel = i;
        break;
      }
    }
    const std::u32string* type = nullptr;
    if (camel != kNone && token.last - camel <= vocabulary.max_word_chars()) {
      suffix.clear();
      for (size_t i = camel; i < token.last; ++i) suffix.push_back(in.chars[i].c);
      type = vocabulary.Canonical(suffix);
      if (type != nullptr && (*type == suffix || !vocabulary.IsStreetType(*type))) {
        type = nullptr;
      }
    }
    out.tokens.push_back({out.chars.size(), 0, token.break_before});
    out.chars.insert(
        out.chars.end(), in.chars.begin() + static_cast<std::ptrdiff_t>(token.first),
        in.chars.begin() +
            static_cast<std::ptrdiff_t>(type == nullptr ? token.last : camel));
    if (type != nullptr) {
      const size_t begin = in.chars[camel].begin;
      const size_t end = in.chars[token.last - 1].end;
      const size_t first = out.chars.size();
      for (char32_t c : *type) out.chars.push_back({c, kNoFlags, begin, end});
      out.chars[first].flags |= kCanStart | kCamel;
      out.chars.back().flags |= kCanEnd;
    }
    out.tokens.back().last = out.chars.size();
    ++t;
  }
  return out;
}

Stream Normalise(absl::string_view text) {
  return Canonicalise(Tokenise(Decode(text)));
}

// ---- Identifying parts -----------------------------------------------------

enum PartBit : uint8_t {
  kFlat = 1,
  kHouseName = 2,
  kHouseNumber = 4,
  kStreet = 8,
  kTown = 16,
  kPostcode = 32,
  kWhole = 64,
};

std::string PartName(uint8_t parts, uint8_t address_parts) {
  if ((parts & kWhole) != 0 || (parts & address_parts) == address_parts) {
    return "the address";
  }
  std::vector<std::string_view> names;
  if (parts & kFlat) names.push_back("flat");
  if (parts & kHouseName) names.push_back("house name");
  if (parts & kHouseNumber) names.push_back("house number");
  if (parts & kStreet) names.push_back("street");
  if (parts & kTown) names.push_back("town");
  if (parts & kPostcode) names.push_back("postcode");
  std::string result = "the ";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) result += i + 1 == names.size() ? " and " : ", ";
    result += names[i];
  }
  return result;
}

struct Pattern {
  std::u32string key;
  uint8_t parts;
  size_t address;
};

// A trie of pattern keys over key characters.
class Trie {
 public:
  Trie() : nodes_(1) { root_ascii_.fill(0); }

  void Add(std::u32string_view key, uint32_t pattern) {
    uint32_t node = 0;
    for (char32_t c : key) {
      uint32_t next = Next(node, c);
      if (next == 0) {
        next = static_cast<uint32_t>(nodes_.size());
        nodes_.emplace_back();
        if (node == 0 && c < 128) root_ascii_[c] = next;
        nodes_[node].next.emplace_back(c, next);
      }
      node = next;
    }
    nodes_[node].patterns.push_back(pattern);
  }

  // The child of `node` by `c`, 0 when none (the root is nobody's child).
  uint32_t Next(uint32_t node, char32_t c) const {
    if (node == 0 && c < 128) return root_ascii_[c];
    for (const auto& [k, child] : nodes_[node].next) {
      if (k == c) return child;
    }
    return 0;
  }

  const std::vector<uint32_t>& PatternsAt(uint32_t node) const {
    return nodes_[node].patterns;
  }

 private:
  struct Node {
    std::vector<std::pair<char32_t, uint32_t>> next;
    std::vector<uint32_t> patterns;
  };
  std::vector<Node> nodes_;
  std::array<uint32_t, 128> root_ascii_;
};

// An address split into its parts: token indices into its Stream.
struct ParsedAddress {
  std::vector<size_t> all;
  std::vector<size_t> flat;      // "flat 2"
  std::vector<size_t> flat_id;   // "2"
  std::vector<std::vector<size_t>> house_names;
  std::vector<size_t> number;
  std::vector<size_t> street;
  std::vector<std::vector<size_t>> towns;
  std::vector<size_t> postcode;
};

class AddressParser {
 public:
  explicit AddressParser(const Stream& s)
      : s_(s), vocabulary_(Vocabulary::Get()) {}

  ParsedAddress Parse() const;
  std::u32string Key(absl::Span<const size_t> tokens) const {
    std::u32string key;
    for (size_t t : tokens) {
      for (size_t i = s_.tokens[t].first; i < s_.tokens[t].last; ++i) {
        key.push_back(s_.chars[i].c);
      }
    }
    return key;
  }
  // Whether the street alone is identifying (the rule in the header).
  bool StreetIsDistinctive(absl::Span<const size_t> street) const {
    return Distinctive(street, /*building_words_too=*/false);
  }
  // Whether a house name alone is identifying (the rule in the header):
  // named like an identifying street ("Bramble Court"), or at least two
  // words with a building word and a distinctive word ("The Willows
  // Refuge").
  bool HouseNameIsDistinctive(absl::Span<const size_t> name) const {
    if (HasStreetType(name) && StreetIsDistinctive(name)) return true;
    return std::any_of(name.begin(), name.end(),
                       [this](size_t t) {
                         return vocabulary_.IsBuildingWord(Key({t}));
                       }) &&
           Distinctive(name, /*building_words_too=*/true);
  }
  // Whether `words` hold a distinctive word (not an article, street type,
  // qualifier or number; nor a building word if `building_words_too`).
  bool HasDistinctiveWord(absl::Span<const size_t> words,
                          bool building_words_too = false) const {
    return std::any_of(words.begin(), words.end(), [&](size_t t) {
      return IsDistinctiveWord(t, building_words_too);
    });
  }
  // `words` without their leading articles ("Willows Refuge" of "The
  // Willows Refuge").
  std::vector<size_t> WithoutLeadingArticles(absl::Span<const size_t> words) const {
    size_t n = 0;
    while (n < words.size() && vocabulary_.IsArticle(Key({words[n]}))) ++n;
    return std::vector<size_t>(words.begin() + static_cast<std::ptrdiff_t>(n),
                               words.end());
  }
  // The name of a street without its street types and articles ("Bramble"
  // of "Bramble Close", "Bryn" of "Heol y Bryn").
  std::vector<size_t> StreetName(absl::Span<const size_t> street) const {
    std::vector<size_t> name;
    for (size_t t : street) {
      const std::u32string key = Key({t});
      if (!vocabulary_.IsStreetType(key) && !vocabulary_.IsArticle(key)) {
        name.push_back(t);
      }
    }
    return name;
  }
  // The keys of a postcode: as written, and with "i" for each "1" ("STI
  // 4QX"; "O" for "0" has the key of "0" already).
  std::vector<std::u32string> PostcodeKeys(absl::Span<const size_t> postcode) const {
    std::vector<std::u32string> keys = {U""};
    for (size_t t : postcode) {
      for (size_t i = s_.tokens[t].first; i < s_.tokens[t].last; ++i) {
        const KeyChar& c = s_.chars[i];
        const bool one = (c.flags & kDigit) != 0 && c.c == U'l';
        const size_t n = keys.size();
        for (size_t k = 0; k < n; ++k) {
          if (one) keys.push_back(keys[k] + U'i');
          keys[k].push_back(c.c);
        }
      }
    }
    return keys;
  }
  bool HasStreetType(absl::Span<const size_t> tokens) const {
    return std::any_of(tokens.begin(), tokens.end(),
                       [this](size_t t) { return IsStreetTypeToken(t); });
  }
  bool AllNumbers(absl::Span<const size_t> tokens) const {
    return std::all_of(tokens.begin(), tokens.end(),
                       [this](size_t t) { return Shape(t).find('L') == std::string::npos; });
  }

 private:
  std::string Shape(size_t t) const { return ShapeOf(s_, t); }
  bool IsDistinctiveWord(size_t t, bool building_words_too) const {
    const std::u32string key = Key({t});
    return !vocabulary_.IsArticle(key) && !vocabulary_.IsStreetType(key) &&
           !vocabulary_.IsQualifier(key) && !StartsWithDigit(t) &&
           !(building_words_too && vocabulary_.IsBuildingWord(key));
  }
  // At least two words besides articles, one of them distinctive.
  bool Distinctive(absl::Span<const size_t> words, bool building_words_too) const {
    int count = 0;
    int distinctive = 0;
    for (size_t t : words) {
      if (vocabulary_.IsArticle(Key({t}))) continue;
      ++count;
      if (IsDistinctiveWord(t, building_words_too)) ++distinctive;
    }
    return count >= 2 && distinctive >= 1;
  }
  bool StartsWithDigit(size_t t) const {
    return (s_.chars[s_.tokens[t].first].flags & kDigit) != 0;
  }
  // A house number: digits, with one letter after them ("14", "14a").
  bool IsHouseNumber(size_t t) const {
    const std::string shape = Shape(t);
    const size_t digits = shape.find_first_not_of('D');
    if (digits == 0) return false;
    return digits == std::string::npos ||
           (digits + 1 == shape.size() && shape[digits] == 'L');
  }
  bool IsStreetTypeToken(size_t t) const {
    return vocabulary_.IsStreetType(Key({t}));
  }

  const Stream& s_;
  const Vocabulary& vocabulary_;
};

ParsedAddress AddressParser::Parse() const {
  ParsedAddress a;
  std::vector<std::vector<size_t>> components;
  for (size_t t = 0; t < s_.tokens.size(); ++t) {
    a.all.push_back(t);
    if (components.empty() || s_.tokens[t].break_before) components.emplace_back();
    components.back().push_back(t);
  }

  // The postcode: the last run of one to three words with a UK postcode's
  // shape ("ST1 4QX", "ST14QX", "ST 1 4QX").
  for (size_t c = components.size(); c-- > 0 && a.postcode.empty();) {
    std::vector<size_t>& comp = components[c];
    for (size_t end = comp.size(); end > 0 && a.postcode.empty(); --end) {
      std::string shape;
      for (size_t len = 1; len <= 3 && len <= end; ++len) {
        shape = Shape(comp[end - len]) + shape;
        if (IsPostcodeShape(shape)) {
          a.postcode.assign(comp.begin() + static_cast<std::ptrdiff_t>(end - len),
                            comp.begin() + static_cast<std::ptrdiff_t>(end));
          comp.erase(comp.begin() + static_cast<std::ptrdiff_t>(end - len),
                     comp.begin() + static_cast<std::ptrdiff_t>(end));
          break;
        }
      }
    }
  }
  components.erase(std::remove_if(components.begin(), components.end(),
                                  [](const auto& c) { return c.empty(); }),
                   components.end());

  // Each component without its leading flat designation ("Flat 2 ...").
  std::vector<size_t> rest_at(components.size(), 0);
  for (size_t c = 0; c < components.size(); ++c) {
    const auto& comp = components[c];
    if (a.flat.empty() && comp.size() >= 2 && vocabulary_.IsFlat(Key({comp[0]}))) {
      a.flat = {comp[0], comp[1]};
      a.flat_id = {comp[1]};
      rest_at[c] = 2;
    }
  }
  const auto rest = [&](size_t c) {
    return std::vector<size_t>(
        components[c].begin() + static_cast<std::ptrdiff_t>(rest_at[c]),
        components[c].end());
  };

  // The street: after the first house number ("14 Bramble Close", or "14,
  // Bramble Close"); else the first component with a street type; else the
  // first component left.
  size_t street_component = kNone;
  for (size_t c = 0; c < components.size() && street_component == kNone; ++c) {
    const std::vector<size_t> words = rest(c);
    size_t n = 0;
    while (n < words.size() && n < 2 && IsHouseNumber(words[n])) ++n;
    if (n == 0) continue;
    const std::vector<size_t> number(words.begin(),
                                     words.begin() + static_cast<std::ptrdiff_t>(n));
    if (n < words.size()) {
      a.number = number;
      a.street.assign(words.begin() + static_cast<std::ptrdiff_t>(n), words.end());
      street_component = c;
    } else if (c + 1 < components.size()) {
      const std::vector<size_t> next = rest(c + 1);
      if (!next.empty() && IsHouseNumber(next[0])) {
        // "2, 14 Bramble Close": the flat's number.
        if (a.flat_id.empty()) a.flat_id = number;
        rest_at[c] = components[c].size();
        continue;
      }
      a.number = number;
      a.street = next;
      street_component = c + 1;
      rest_at[c] = components[c].size();
    }
  }
  for (size_t c = 0; c < components.size() && street_component == kNone; ++c) {
    const std::vector<size_t> words = rest(c);
    if (std::any_of(words.begin(), words.end(),
                    [this](size_t t) { return IsStreetTypeToken(t); })) {
      a.street = words;
      street_component = c;
    }
  }
  for (size_t c = 0; c < components.size() && street_component == kNone; ++c) {
    if (!rest(c).empty()) {
      a.street = rest(c);
      street_component = c;
    }
  }
  if (street_component == kNone) return a;

  // Without commas ("14 Bramble Close Hanley") the words after the last
  // street type, if it is not the first word, are a town.
  size_t last_type = kNone;
  for (size_t i = 0; i < a.street.size(); ++i) {
    if (IsStreetTypeToken(a.street[i])) last_type = i;
  }
  if (last_type != kNone && last_type > 0 && last_type + 1 < a.street.size()) {
    a.towns.emplace_back(a.street.begin() + static_cast<std::ptrdiff_t>(last_type + 1),
                         a.street.end());
    a.street.resize(last_type + 1);
  }
  for (size_t c = 0; c < components.size(); ++c) {
    const std::vector<size_t> words = rest(c);
    if (words.empty() || c == street_component) continue;
    if (c < street_component) {
      a.house_names.push_back(words);
    } else {
      a.towns.push_back(words);
    }
  }
  return a;
}

template <typename... Lists>
std::vector<size_t> Concat(const Lists&... lists) {
  std::vector<size_t> all;
  (all.insert(all.end(), lists.begin(), lists.end()), ...);
  return all;
}

}  // namespace

struct RestrictedAddressMatcher::Compiled {
  std::vector<Pattern> patterns;
  std::vector<uint8_t> address_parts;  // per address: the parts it has
  Trie anchored;    // begin and end on word boundaries
  Trie postcodes;   // anywhere (inside "ref:st14qx/2")
  Trie extensions;  // what widens a match: towns, postcode, flat, house names
};

RestrictedAddressMatcher::RestrictedAddressMatcher() = default;

RestrictedAddressMatcher::RestrictedAddressMatcher(
    std::shared_ptr<const Compiled> compiled)
    : compiled_(std::move(compiled)) {}

bool RestrictedAddressMatcher::empty() const { return compiled_ == nullptr; }

RestrictedAddressMatcher RestrictedAddressMatcher::For(
    absl::Span<const std::string> addresses) {
  auto compiled = std::make_shared<Compiled>();
  // Patterns by key: the same words found twice keep every part they name.
  absl::flat_hash_map<std::u32string, uint32_t, U32Hash, U32Eq> anchored;
  absl::flat_hash_map<std::u32string, uint32_t, U32Hash, U32Eq> postcodes;
  absl::flat_hash_map<std::u32string, uint32_t, U32Hash, U32Eq> extensions;
  const auto add = [&compiled](decltype(anchored)& index, Trie& trie,
                               std::u32string key, uint8_t parts,
                               size_t address) {
    if (key.empty()) return;
    auto it = index.find(key);
    if (it != index.end()) {
      compiled->patterns[it->second].parts |= parts;
      return;
    }
    const auto id = static_cast<uint32_t>(compiled->patterns.size());
    trie.Add(key, id);
    index.emplace(key, id);
    compiled->patterns.push_back({std::move(key), parts, address});
  };

  for (const std::string& address : addresses) {
    const Stream s = Normalise(address);
    if (s.tokens.empty()) continue;
    const AddressParser parser(s);
    const ParsedAddress a = parser.Parse();
    const size_t index = compiled->address_parts.size();
    uint8_t full = 0;
    if (!a.flat.empty()) full |= kFlat;
    if (!a.house_names.empty()) full |= kHouseName;
    if (!a.number.empty()) full |= kHouseNumber;
    if (!a.street.empty()) full |= kStreet;
    if (!a.towns.empty()) full |= kTown;
    if (!a.postcode.empty()) full |= kPostcode;
    compiled->address_parts.push_back(full);
    const auto key = [&parser](const std::vector<size_t>& tokens) {
      return parser.Key(tokens);
    };
    auto& trie = compiled->anchored;
    // Each house name as written and, when a distinctive word is left,
    // without its article ("Willows Refuge" of "The Willows Refuge"; not
    // "Lodge" of "The Lodge").
    std::vector<std::vector<size_t>> house_names;
    for (const auto& name : a.house_names) {
      house_names.push_back(name);
      std::vector<size_t> bare = parser.WithoutLeadingArticles(name);
      if (bare.size() < name.size() &&
          parser.HasDistinctiveWord(bare, /*building_words_too=*/true)) {
        house_names.push_back(std::move(bare));
      }
    }

    // The whole address (unless it is only numbers: "14" is in every text).
    if (!parser.AllNumbers(a.all)) {
      add(anchored, trie, key(a.all), static_cast<uint8_t>(full | kWhole), index);
    }
    if (!a.street.empty()) {
      struct Premises {
        std::vector<size_t> words;
        uint8_t parts;
      };
      std::vector<Premises> premises = {{{}, 0}};
      if (!a.flat.empty()) premises.push_back({a.flat, kFlat});
      for (const auto& name : house_names) {
        premises.push_back({name, kHouseName});
        if (!a.flat.empty()) premises.push_back({Concat(a.flat, name), kFlat | kHouseName});
      }
      for (const Premises& p : premises) {
        if (!a.number.empty()) {
          add(anchored, trie, key(Concat(p.words, a.number, a.street)),
              static_cast<uint8_t>(p.parts | kHouseNumber | kStreet), index);
        }
        if (!p.words.empty()) {
          add(anchored, trie, key(Concat(p.words, a.street)),
              static_cast<uint8_t>(p.parts | kStreet), index);
        }
      }
      if (!a.number.empty() && !a.flat_id.empty()) {
        // "2, 14 Bramble Close", "2/14 Bramble Close".
        add(anchored, trie, key(Concat(a.flat_id, a.number, a.street)),
            kFlat | kHouseNumber | kStreet, index);
      }
      if (parser.StreetIsDistinctive(a.street)) {
        add(anchored, trie, key(a.street), kStreet, index);
      }
      for (const auto& town : a.towns) {
        add(anchored, trie, key(Concat(a.street, town)), kStreet | kTown, index);
      }
      // The street's name without its type, with a town ("Bramble,
      // Hanley"), and with the house number too ("14 Bramble, Hanley"),
      // when it has a distinctive word that is not a building word ("Refuge,
      // Hanley" of Refuge Close is a phrase).
      const std::vector<size_t> name = parser.StreetName(a.street);
      if (parser.HasStreetType(a.street) &&
          parser.HasDistinctiveWord(name, /*building_words_too=*/true)) {
        for (const auto& town : a.towns) {
          add(anchored, trie, key(Concat(name, town)), kStreet | kTown, index);
          if (!a.number.empty()) {
            add(anchored, trie, key(Concat(a.number, name, town)),
                kHouseNumber | kStreet | kTown, index);
          }
        }
      }
      if (!a.postcode.empty()) {
        add(anchored, trie, key(Concat(a.street, a.postcode)), kStreet | kPostcode,
            index);
      }
    }
    for (const auto& name : house_names) {
      // A building named like a street ("Bramble Court") or with a building
      // word and a distinctive word ("The Willows Refuge") is identifying
      // alone; a house name ("Rose Cottage") only with a town, the street or
      // the flat.
      if (parser.HouseNameIsDistinctive(name)) {
        add(anchored, trie, key(name), kHouseName, index);
      }
      if (!a.flat.empty()) {
        add(anchored, trie, key(Concat(a.flat, name)), kFlat | kHouseName, index);
      }
      if (!a.flat_id.empty()) {
        add(anchored, trie, key(Concat(a.flat_id, name)), kFlat | kHouseName,
            index);
      }
      for (const auto& town : a.towns) {
        add(anchored, trie, key(Concat(name, town)), kHouseName | kTown, index);
      }
      add(extensions, compiled->extensions, key(name), kHouseName, index);
    }
    for (std::u32string& postcode : parser.PostcodeKeys(a.postcode)) {
      if (postcode.empty()) continue;
      add(postcodes, compiled->postcodes, postcode, kPostcode, index);
      add(extensions, compiled->extensions, std::move(postcode), kPostcode, index);
    }
    for (const auto& town : a.towns) {
      add(extensions, compiled->extensions, key(town), kTown, index);
    }
    if (!a.flat.empty()) {
      add(extensions, compiled->extensions, key(a.flat), kFlat, index);
    }
  }
  if (compiled->address_parts.empty()) return RestrictedAddressMatcher();
  return RestrictedAddressMatcher(std::move(compiled));
}

std::vector<RestrictedAddressMatcher::Match> RestrictedAddressMatcher::Find(
    absl::string_view text) const {
  if (compiled_ == nullptr || text.empty()) return {};
  const Compiled& compiled = *compiled_;
  const Stream s = Normalise(text);
  const std::vector<KeyChar>& chars = s.chars;
  const size_t n = chars.size();

  struct Candidate {
    size_t first;  // [first, last) in chars
    size_t last;
    uint8_t parts;
    size_t address;
  };
  // Every pattern occurrence: from each position, walk a trie as far as it
  // goes (at most the longest pattern's length): linear in the text.
  const auto walk = [&](const Trie& trie, size_t i, bool anchored,
                        auto&& on_match) {
    uint32_t node = 0;
    for (size_t j = i; j < n; ++j) {
      node = trie.Next(node, chars[j].c);
      if (node == 0) return;
      const std::vector<uint32_t>& found = trie.PatternsAt(node);
      if (found.empty()) continue;
      if (j + 1 < n && (chars[j + 1].flags & kCont) != 0) continue;
      if (anchored && (chars[j].flags & kCanEnd) == 0) continue;
      for (uint32_t p : found) on_match(j + 1, compiled.patterns[p]);
    }
  };
  std::vector<Candidate> candidates;
  for (size_t i = 0; i < n; ++i) {
    if ((chars[i].flags & kCont) != 0) continue;
    const auto record = [&](size_t last, const Pattern& p) {
      candidates.push_back({i, last, p.parts, p.address});
    };
    if ((chars[i].flags & kCanStart) != 0) walk(compiled.anchored, i, true, record);
    walk(compiled.postcodes, i, false, record);
  }
  if (candidates.empty()) return {};

  // Overlapping occurrences are merged rather than the longest kept: each
  // is identifying, and keeping only the longest ("Bramble Close, Hanley")
  // would show the rest of a shorter one ("14" of "14 Bramble Close").
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) {
              return a.first != b.first ? a.first < b.first : a.last > b.last;
            });
  std::vector<Candidate> accepted;
  for (const Candidate& c : candidates) {
    if (!accepted.empty() && c.first < accepted.back().last) {
      accepted.back().last = std::max(accepted.back().last, c.last);
      accepted.back().parts |= c.parts;
      continue;
    }
    accepted.push_back(c);
  }

  // Widen each match over what follows it directly: a town or the postcode
  // of an address, its flat, a house name, or the next match.
  std::vector<Candidate> widened;
  for (size_t a = 0; a < accepted.size();) {
    Candidate m = accepted[a++];
    for (;;) {
      const size_t next = m.last;
      if (next >= n) break;
      if (a < accepted.size() && accepted[a].first == next) {
        m.last = accepted[a].last;
        m.parts |= accepted[a].parts;
        ++a;
        continue;
      }
      if ((chars[next].flags & kCanStart) == 0) break;
      size_t best = 0;
      uint8_t best_parts = 0;
      walk(compiled.extensions, next, true, [&](size_t last, const Pattern& p) {
        if (last > best) {
          best = last;
          best_parts = p.parts;
        }
      });
      if (best == 0) break;
      m.last = best;
      m.parts |= best_parts;
      while (a < accepted.size() && accepted[a].first < m.last) {
        m.last = std::max(m.last, accepted[a].last);
        m.parts |= accepted[a].parts;
        ++a;
      }
    }
    widened.push_back(m);
  }

  // To bytes. Two key characters of one code point ("½" is "1", "2") can
  // put neighbouring matches on the same bytes: those are merged.
  std::vector<Match> matches;
  std::vector<uint8_t> parts;
  std::vector<size_t> address;
  for (const Candidate& m : widened) {
    const size_t begin = chars[m.first].begin;
    const size_t end = chars[m.last - 1].end;
    if (!matches.empty() && begin < matches.back().end) {
      matches.back().end = std::max(matches.back().end, end);
      parts.back() |= m.parts;
      continue;
    }
    matches.push_back({begin, end, ""});
    parts.push_back(m.parts);
    address.push_back(m.address);
  }
  for (size_t i = 0; i < matches.size(); ++i) {
    matches[i].part = PartName(parts[i], compiled.address_parts[address[i]]);
  }
  return matches;
}

std::string RestrictedAddressMatcher::Redact(absl::string_view text) const {
  const std::vector<Match> matches = Find(text);
  if (matches.empty()) return std::string(text);
  std::string result;
  result.reserve(text.size());
  size_t at = 0;
  for (const Match& m : matches) {
    absl::StrAppend(&result, text.substr(at, m.begin - at),
                    kRestrictedAddressMarker);
    at = m.end;
  }
  absl::StrAppend(&result, text.substr(at));
  return result;
}

}  // namespace casebridge::domain
