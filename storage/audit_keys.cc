#include "storage/audit_keys.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <system_error>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "domain/status_macros.h"
#include "spdlog/spdlog.h"
#include "storage/crypto.h"

namespace casebridge::storage {
namespace {

namespace fs = std::filesystem;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

constexpr absl::string_view kTreeHeadTag = "casebridge-tree-head-v1\n";
constexpr absl::string_view kTreeHeadVersion = "v1";
constexpr char kMacKeyFile[] = "event-mac.key";
constexpr absl::string_view kSigningPrefix = "signing-";
constexpr absl::string_view kSigningSuffix = ".pem";
constexpr char kCreatedFormat[] = "%Y%m%dT%H%M%SZ";
constexpr int kKeyIdHexDigits = 32;
// Far larger than any key file we write (an Ed25519 PEM is 119 bytes): a
// bigger file is not a key, and we need not read it whole to say so.
constexpr off_t kMaxKeyFileBytes = 64 * 1024;

void AppendBigEndian64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// The OpenSSL error queue as text, emptied so that it cannot be mistaken
// later for the cause of another call's failure.
std::string TakeOpenSslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "no OpenSSL error reported" : out;
}

// A field of untrusted text for an error message: short, escaped.
std::string Quote(absl::string_view s) {
  constexpr size_t kMax = 80;
  std::string out = absl::StrCat("\"", absl::CHexEscape(s.substr(0, kMax)), "\"");
  if (s.size() > kMax) out += "...";
  return out;
}

std::string Mode(mode_t mode) { return absl::StrFormat("%04o", mode & 07777); }

absl::Status ErrnoUnavailable(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

// Decimal digits with an optional '-', in canonical form (no '+', no
// leading zeros, no "-0"), so that every value has one spelling.
bool ParseCanonicalInt64(absl::string_view s, bool allow_negative, int64_t* out) {
  absl::string_view digits = s;
  if (allow_negative) absl::ConsumePrefix(&digits, "-");
  if (digits.empty() || digits.size() > 19) return false;
  for (char c : digits) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  if (digits.size() > 1 && digits[0] == '0') return false;
  if (digits.size() < s.size() && digits == "0") return false;
  return absl::SimpleAtoi(s, out);
}

// Standard padded base64 decoding to exactly `bytes` bytes, accepting only
// the one spelling Base64Escape makes (no whitespace, no missing padding,
// no non-zero unused bits).
bool ParseCanonicalBase64(absl::string_view s, size_t bytes, std::string* out) {
  return absl::Base64Unescape(s, out) && out->size() == bytes &&
         absl::Base64Escape(*out) == s;
}

bool IsLowerHex(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && !(c >= 'a' && c <= 'f')) {
      return false;
    }
  }
  return true;
}

absl::Status CheckHeadShape(const SignedTreeHead& head) {
  if (head.tree_size < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("tree head has a negative tree size (", head.tree_size, ")"));
  }
  if (head.root_hash.size() != kTreeHeadRootBytes) {
    return absl::InvalidArgumentError(absl::StrCat("tree head root is ", head.root_hash.size(),
                                                   " bytes, not ", kTreeHeadRootBytes));
  }
  if (head.signature.size() != kTreeHeadSignatureBytes) {
    return absl::InvalidArgumentError(absl::StrCat("tree head signature is ",
                                                   head.signature.size(), " bytes, not ",
                                                   kTreeHeadSignatureBytes));
  }
  return absl::OkStatus();
}

// `key` may be a private or a public Ed25519 key. Only the signature check
// itself is left to do: the head's shape is checked.
absl::Status VerifyWithKey(const SignedTreeHead& head, EVP_PKEY* key) {
  const std::string message = SignedTreeHeadMessage(head);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key) != 1) {
    return absl::InternalError(
        absl::StrCat("cannot start Ed25519 verification: ", TakeOpenSslErrors()));
  }
  const int verified = EVP_DigestVerify(ctx.get(), Bytes(head.signature), head.signature.size(),
                                        Bytes(message), message.size());
  ERR_clear_error();  // A bad signature leaves an error queued.
  if (verified != 1) {
    return absl::DataLossError(absl::StrCat(
        "tree head (size ", head.tree_size, ", key ", head.key_id,
        ") has a signature that does not verify: the head or its signature was altered, "
        "or it was not signed with that key"));
  }
  return absl::OkStatus();
}

std::string RawPublicKey(EVP_PKEY* key) {
  unsigned char raw[kEd25519PublicKeyBytes];
  size_t length = sizeof(raw);
  if (EVP_PKEY_get_raw_public_key(key, raw, &length) != 1 || length != sizeof(raw)) {
    // An Ed25519 key always has one; only allocation can fail here.
    spdlog::critical("audit keys: cannot read an Ed25519 public key: {}", TakeOpenSslErrors());
    std::abort();
  }
  return std::string(reinterpret_cast<const char*>(raw), length);
}

// The creation time a signing key's file name carries, if it is one:
// "signing-20250102T030405Z.pem". Only the one spelling FormatTime makes.
std::optional<absl::Time> SigningKeyCreated(absl::string_view name) {
  if (!absl::ConsumePrefix(&name, kSigningPrefix) || !absl::ConsumeSuffix(&name, kSigningSuffix)) {
    return std::nullopt;
  }
  // By hand: ParseTime's %Y would take every digit for the year.
  if (name.size() != 16) return std::nullopt;  // YYYYMMDDTHHMMSSZ
  int fields[6] = {0, 0, 0, 0, 0, 0};
  constexpr int kStart[6] = {0, 4, 6, 9, 11, 13};
  constexpr int kLength[6] = {4, 2, 2, 2, 2, 2};
  if (name[8] != 'T' || name[15] != 'Z') return std::nullopt;
  for (int i = 0; i < 6; ++i) {
    for (char c : name.substr(kStart[i], kLength[i])) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
      fields[i] = fields[i] * 10 + (c - '0');
    }
  }
  const absl::Time t = absl::FromCivil(
      absl::CivilSecond(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]),
      absl::UTCTimeZone());
  // A civil time normalises (month 13 is January): only a real one spells
  // the same back.
  if (absl::FormatTime(kCreatedFormat, t, absl::UTCTimeZone()) != name) return std::nullopt;
  return t;
}

bool LooksLikeSigningKeyName(absl::string_view name) {
  return !absl::StartsWith(name, ".") && absl::StartsWith(name, kSigningPrefix) &&
         absl::EndsWith(name, kSigningSuffix);
}

std::string SigningKeyName(absl::Time created) {
  return absl::StrCat(kSigningPrefix,
                      absl::FormatTime(kCreatedFormat, created, absl::UTCTimeZone()),
                      kSigningSuffix);
}

// The key directory must exist and be a directory no one else can write
// to: whoever can write there can swap the signing key for their own or
// add a newer one that Sign would then use.
absl::Status CheckKeyDirectory(const std::string& dir) {
  struct stat st;
  if (stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat("audit key directory ", dir, " does not exist"));
    }
    return ErrnoUnavailable("cannot stat audit key directory", dir);
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("audit key directory ", dir, " is not a directory"));
  }
  if ((st.st_mode & 022) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "audit key directory ", dir, " has mode ", Mode(st.st_mode),
        ": group or others could add or replace keys there; make it 0700 (chmod 700 ", dir, ")"));
  }
  return absl::OkStatus();
}

// Reads a key file into `out` (the caller wipes it). Refuses anything but a
// small regular file only its owner may access. Links are followed (a
// mounted secret is often one); the file they lead to is what is checked.
absl::Status ReadKeyFile(const std::string& path, std::string* out) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return ErrnoUnavailable("cannot open audit key file", path);
  absl::Cleanup close_fd = [fd] { close(fd); };
  struct stat st;
  if (fstat(fd, &st) != 0) return ErrnoUnavailable("cannot stat audit key file", path);
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("audit key file ", path, " is not a regular file"));
  }
  if ((st.st_mode & 077) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "audit key file ", path, " has mode ", Mode(st.st_mode),
        ": group or others may access it, so the key may have leaked; refusing it. If it has "
        "not, make it 0600 (chmod 600 ",
        path, "); if it may have, rotate to a new key"));
  }
  if (st.st_size > kMaxKeyFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("audit key file ", path, " is ", st.st_size, " bytes: not a key"));
  }
  out->assign(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < out->size()) {
    const ssize_t n = read(fd, out->data() + done, out->size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoUnavailable("cannot read audit key file", path);
    if (n == 0) break;  // Shrank while we read; parsing says if what we got is a key.
    done += static_cast<size_t>(n);
  }
  out->resize(done);
  return absl::OkStatus();
}

absl::Status FsyncDirectory(const std::string& dir) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoUnavailable("cannot open directory", dir);
  absl::Cleanup close_fd = [fd] { close(fd); };
  if (fsync(fd) != 0) return ErrnoUnavailable("cannot fsync directory", dir);
  return absl::OkStatus();
}

// Writes a new key file `dir`/`name` (mode 0600) so that a crash at any
// moment leaves either no file of that name or the whole key: the bytes go
// to a new temporary file (O_CREAT|O_EXCL, a dot name Load ignores), which
// is fsynced, then hard-linked to `name` and the directory fsynced. link()
// never replaces an existing file: ALREADY_EXISTS then, and the key already
// there stays. UNAVAILABLE (naming the file and the error) for I/O errors.
absl::Status WriteNewKeyFile(const std::string& dir, const std::string& name,
                             absl::string_view contents) {
  const std::string path = absl::StrCat(dir, "/", name);
  unsigned char random[8];
  if (RAND_bytes(random, sizeof(random)) != 1) std::abort();
  const std::string tmp = absl::StrCat(
      dir, "/.", name, ".tmp-",
      absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(random), sizeof(random))));
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoUnavailable("cannot create audit key file", tmp);
  bool closed = false;
  absl::Cleanup cleanup = [&] {
    if (!closed) close(fd);
    // Only the temporary name goes: once linked, the key lives on as `name`.
    unlink(tmp.c_str());
  };
  size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n = write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoUnavailable("cannot write audit key file", tmp);
    done += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) return ErrnoUnavailable("cannot fsync audit key file", tmp);
  closed = true;
  if (close(fd) != 0) return ErrnoUnavailable("cannot close audit key file", tmp);
  if (link(tmp.c_str(), path.c_str()) != 0) {
    if (errno == EEXIST) {
      return absl::AlreadyExistsError(absl::StrCat("audit key file ", path, " already exists"));
    }
    return ErrnoUnavailable("cannot link audit key file to", path);
  }
  // The unlink of the temporary name need not be durable (Load ignores dot
  // names); the new name must be.
  return FsyncDirectory(dir);
}

struct SigningKey {
  std::string key_id;
  std::string public_key;
  absl::Time created;
  std::string path;
  // Shared with signers that copied it out from under the ring's lock.
  // OpenSSL allows concurrent signing with one key that no one modifies.
  std::shared_ptr<EVP_PKEY> key;
};

SigningKey MakeSigningKey(PkeyPtr key, absl::Time created, std::string path) {
  SigningKey out;
  out.public_key = RawPublicKey(key.get());
  out.key_id = KeyIdOf(out.public_key);
  out.created = created;
  out.path = std::move(path);
  out.key = std::shared_ptr<EVP_PKEY>(key.release(), PkeyFree());
  return out;
}

// Never prompts: an encrypted key is refused (the server has no one to ask).
int NoPassphrase(char*, int, int, void*) { return -1; }

absl::StatusOr<SigningKey> ReadSigningKey(const std::string& path, absl::Time created) {
  std::string pem;
  absl::Cleanup wipe = [&pem] { OPENSSL_cleanse(pem.data(), pem.size()); };
  CB_RETURN_IF_ERROR(ReadKeyFile(path, &pem));
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) std::abort();
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("audit key file ", path,
                     " is not an unencrypted PKCS#8 PEM private key: ", TakeOpenSslErrors()));
  }
  if (EVP_PKEY_is_a(key.get(), "ED25519") != 1) {
    return absl::InvalidArgumentError(absl::StrCat("audit key file ", path, " holds a ",
                                                   EVP_PKEY_get0_type_name(key.get()),
                                                   " key, not an Ed25519 key"));
  }
  return MakeSigningKey(std::move(key), created, path);
}

absl::Status ReadMacKey(const std::string& path, std::string* key) {
  std::string text;
  absl::Cleanup wipe = [&text] { OPENSSL_cleanse(text.data(), text.size()); };
  CB_RETURN_IF_ERROR(ReadKeyFile(path, &text));
  absl::string_view hex = text;
  absl::ConsumeSuffix(&hex, "\n");
  bool is_hex = hex.size() == 2 * kEventMacBytes;
  for (char c : hex) is_hex = is_hex && absl::ascii_isxdigit(static_cast<unsigned char>(c));
  if (!is_hex) {
    return absl::InvalidArgumentError(absl::StrCat(
        "audit key file ", path, " is not an HMAC key: ", 2 * kEventMacBytes,
        " hex digits and a newline expected"));
  }
  *key = absl::HexStringToBytes(hex);
  return absl::OkStatus();
}

absl::StatusOr<SigningKey> CreateSigningKey(const std::string& dir, absl::Time created) {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (key == nullptr) {
    return absl::InternalError(
        absl::StrCat("cannot generate an Ed25519 key: ", TakeOpenSslErrors()));
  }
  // Secure-heap memory, wiped when freed: the PEM is the private key.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1) {
    return absl::InternalError(
        absl::StrCat("cannot encode an Ed25519 key as PEM: ", TakeOpenSslErrors()));
  }
  char* pem = nullptr;
  const long pem_length = BIO_get_mem_data(bio.get(), &pem);
  const std::string name = SigningKeyName(created);
  CB_RETURN_IF_ERROR(
      WriteNewKeyFile(dir, name, absl::string_view(pem, static_cast<size_t>(pem_length))));
  SigningKey made = MakeSigningKey(std::move(key), created, absl::StrCat(dir, "/", name));
  spdlog::info("audit keys: made signing key {} ({})", made.key_id, made.path);
  return made;
}

absl::Status CreateMacKey(const std::string& dir) {
  unsigned char key[kEventMacBytes];
  if (RAND_bytes(key, sizeof(key)) != 1) std::abort();
  std::string text = absl::StrCat(
      absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(key), sizeof(key))), "\n");
  OPENSSL_cleanse(key, sizeof(key));
  absl::Cleanup wipe = [&text] { OPENSSL_cleanse(text.data(), text.size()); };
  CB_RETURN_IF_ERROR(WriteNewKeyFile(dir, kMacKeyFile, text));
  spdlog::info("audit keys: made the event HMAC key ({}/{})", dir, kMacKeyFile);
  return absl::OkStatus();
}

// The entries of `dir`, sorted (so that errors come in a stable order).
absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot list audit key directory ", dir, ": ", ec.message()));
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

std::string SignedTreeHeadMessage(const SignedTreeHead& head) {
  std::string out(kTreeHeadTag);
  AppendBigEndian64(&out, static_cast<uint64_t>(head.tree_size));
  out += head.root_hash;
  AppendBigEndian64(&out, static_cast<uint64_t>(absl::ToUnixMicros(head.time)));
  AppendBigEndian64(&out, head.key_id.size());
  out += head.key_id;
  return out;
}

std::string EncodeTreeHead(const SignedTreeHead& head) {
  return absl::StrCat(kTreeHeadVersion, " ", head.tree_size, " ",
                      absl::Base64Escape(head.root_hash), " ", absl::ToUnixMicros(head.time),
                      " ", head.key_id, " ", absl::Base64Escape(head.signature));
}

absl::StatusOr<SignedTreeHead> DecodeTreeHead(absl::string_view line) {
  absl::ConsumeSuffix(&line, "\n");
  const std::vector<absl::string_view> fields = absl::StrSplit(line, ' ');
  auto bad = [](absl::string_view what, absl::string_view field, absl::string_view expected) {
    return absl::InvalidArgumentError(
        absl::StrCat("tree head: ", what, " ", Quote(field), " is not ", expected));
  };
  if (fields.size() != 6) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tree head: ", Quote(line), " has ", fields.size(),
        " space-separated fields, not 6 (v1 <size> <root> <time micros> <key id> <signature>)"));
  }
  if (fields[0] != kTreeHeadVersion) {
    return bad("version", fields[0], "v1");
  }
  SignedTreeHead head;
  if (!ParseCanonicalInt64(fields[1], /*allow_negative=*/false, &head.tree_size)) {
    return bad("tree size", fields[1], "a non-negative decimal number");
  }
  if (!ParseCanonicalBase64(fields[2], kTreeHeadRootBytes, &head.root_hash)) {
    return bad("root hash", fields[2], "32 bytes in padded base64");
  }
  int64_t micros = 0;
  if (!ParseCanonicalInt64(fields[3], /*allow_negative=*/true, &micros)) {
    return bad("time", fields[3], "a decimal count of microseconds since the Unix epoch");
  }
  head.time = absl::FromUnixMicros(micros);
  if (fields[4].size() != kKeyIdHexDigits || !IsLowerHex(fields[4])) {
    return bad("key id", fields[4], "32 lowercase hex digits");
  }
  head.key_id = std::string(fields[4]);
  if (!ParseCanonicalBase64(fields[5], kTreeHeadSignatureBytes, &head.signature)) {
    return bad("signature", fields[5], "64 bytes in padded base64");
  }
  return head;
}

std::string KeyIdOf(absl::string_view raw_public_key) {
  return absl::BytesToHexString(Sha256(raw_public_key).substr(0, kKeyIdHexDigits / 2));
}

namespace {

// Each State's id, so a thread's cached MAC context (EventMac) is never used
// with another ring's key, even one allocated at the same address.
std::atomic<uint64_t> next_state_id{1};

}  // namespace

struct AuditKeyRing::State {
  ~State() { OPENSSL_cleanse(mac_key.data(), mac_key.size()); }

  const uint64_t id = next_state_id.fetch_add(1);
  std::string dir;
  // Set once by Load, then only read.
  std::string mac_key;
  // One Rotate at a time (held across the file work, unlike mu).
  absl::Mutex rotate_mu;
  mutable absl::Mutex mu;
  // Oldest first; never empty.
  std::vector<SigningKey> keys ABSL_GUARDED_BY(mu);
};

AuditKeyRing::AuditKeyRing(std::unique_ptr<State> state) : state_(std::move(state)) {}
AuditKeyRing::AuditKeyRing(AuditKeyRing&&) noexcept = default;
AuditKeyRing& AuditKeyRing::operator=(AuditKeyRing&&) noexcept = default;
AuditKeyRing::~AuditKeyRing() = default;

absl::StatusOr<AuditKeyRing> AuditKeyRing::Load(const std::string& dir) {
  CB_RETURN_IF_ERROR(CheckKeyDirectory(dir));
  CB_ASSIGN_OR_RETURN(const std::vector<std::string> names, ListDirectory(dir));
  auto state = std::make_unique<State>();
  state->dir = dir;
  bool have_mac_key = false;
  std::vector<SigningKey> keys;
  for (const std::string& name : names) {
    const std::string path = absl::StrCat(dir, "/", name);
    if (name == kMacKeyFile) {
      CB_RETURN_IF_ERROR(ReadMacKey(path, &state->mac_key));
      have_mac_key = true;
    } else if (LooksLikeSigningKeyName(name)) {
      const std::optional<absl::Time> created = SigningKeyCreated(name);
      if (!created.has_value()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "audit key file ", path,
            ": a signing key's name must be signing-<UTC creation time, YYYYMMDDTHHMMSSZ>.pem"));
      }
      CB_ASSIGN_OR_RETURN(SigningKey key, ReadSigningKey(path, *created));
      for (const SigningKey& other : keys) {
        if (other.key_id == key.key_id) {
          return absl::InvalidArgumentError(absl::StrCat("audit key files ", other.path, " and ",
                                                         path, " hold the same key (",
                                                         key.key_id, "); remove one"));
        }
      }
      keys.push_back(std::move(key));
    }
  }
  if (!have_mac_key) {
    return absl::FailedPreconditionError(absl::StrCat(
        "audit key directory ", dir, " has no ", kMacKeyFile, " (the HMAC key of audit events)"));
  }
  if (keys.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("audit key directory ", dir,
                     " has no signing key (signing-<YYYYMMDDTHHMMSSZ>.pem, Ed25519, PKCS#8)"));
  }
  // Names are unique, so creation times are too.
  std::sort(keys.begin(), keys.end(),
            [](const SigningKey& a, const SigningKey& b) { return a.created < b.created; });
  {
    absl::MutexLock lock(&state->mu);
    state->keys = std::move(keys);
  }
  return AuditKeyRing(std::move(state));
}

absl::StatusOr<AuditKeyRing> AuditKeyRing::LoadOrCreate(const std::string& dir) {
  if (mkdir(dir.c_str(), 0700) == 0) {
    std::string parent = fs::path(dir).parent_path().string();
    if (parent.empty()) parent = ".";
    CB_RETURN_IF_ERROR(FsyncDirectory(parent));
    spdlog::info("audit keys: made directory {}", dir);
  } else if (errno != EEXIST) {
    return ErrnoUnavailable("cannot create audit key directory", dir);
  }
  // Before writing a key into it: a directory others can write to is no
  // place for one.
  CB_RETURN_IF_ERROR(CheckKeyDirectory(dir));
  CB_ASSIGN_OR_RETURN(const std::vector<std::string> names, ListDirectory(dir));
  const bool have_mac_key = std::find(names.begin(), names.end(), kMacKeyFile) != names.end();
  const bool have_signing_key =
      std::any_of(names.begin(), names.end(), [](const std::string& name) {
        return LooksLikeSigningKeyName(name);
      });
  // ALREADY_EXISTS: another process made it meanwhile; Load reads theirs.
  if (!have_mac_key) {
    absl::Status made = CreateMacKey(dir);
    if (!made.ok() && !absl::IsAlreadyExists(made)) return made;
  }
  if (!have_signing_key) {
    absl::StatusOr<SigningKey> made =
        CreateSigningKey(dir, absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now())));
    if (!made.ok() && !absl::IsAlreadyExists(made.status())) return made.status();
  }
  return Load(dir);
}

absl::StatusOr<std::string> AuditKeyRing::Rotate() {
  absl::MutexLock rotating(&state_->rotate_mu);
  absl::Time newest;
  {
    absl::ReaderMutexLock lock(&state_->mu);
    newest = state_->keys.back().created;
  }
  absl::Time created =
      std::max(absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now())), newest + absl::Seconds(1));
  // Another process rotating in the same directory may have taken the name.
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<SigningKey> made = CreateSigningKey(state_->dir, created);
    if (made.ok()) {
      std::string key_id = made->key_id;
      absl::MutexLock lock(&state_->mu);
      state_->keys.push_back(*std::move(made));
      return key_id;
    }
    if (!absl::IsAlreadyExists(made.status()) || attempt == 10) return made.status();
    created += absl::Seconds(1);
  }
}

std::string AuditKeyRing::ActiveKeyId() const {
  absl::ReaderMutexLock lock(&state_->mu);
  return state_->keys.back().key_id;
}

SignedTreeHead AuditKeyRing::Sign(int64_t size, absl::string_view root, absl::Time time) const {
  if (size < 0 || root.size() != kTreeHeadRootBytes) {
    spdlog::critical("audit keys: asked to sign a tree head of size {} with a {}-byte root", size,
                     root.size());
    std::abort();
  }
  SignedTreeHead head;
  head.tree_size = size;
  head.root_hash = std::string(root);
  head.time = absl::FromUnixMicros(absl::ToUnixMicros(time));
  std::shared_ptr<EVP_PKEY> key;
  {
    absl::ReaderMutexLock lock(&state_->mu);
    head.key_id = state_->keys.back().key_id;
    key = state_->keys.back().key;
  }
  const std::string message = SignedTreeHeadMessage(head);
  unsigned char signature[kTreeHeadSignatureBytes];
  size_t length = sizeof(signature);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), signature, &length, Bytes(message), message.size()) != 1 ||
      length != sizeof(signature)) {
    // Ed25519 signing cannot fail but for lack of memory.
    spdlog::critical("audit keys: Ed25519 signing failed: {}", TakeOpenSslErrors());
    std::abort();
  }
  head.signature = std::string(reinterpret_cast<const char*>(signature), length);
  return head;
}

absl::Status AuditKeyRing::Verify(const SignedTreeHead& head) const {
  CB_RETURN_IF_ERROR(CheckHeadShape(head));
  std::shared_ptr<EVP_PKEY> key;
  std::vector<std::string> known;
  {
    absl::ReaderMutexLock lock(&state_->mu);
    for (const SigningKey& k : state_->keys) {
      if (k.key_id == head.key_id) key = k.key;
      known.push_back(k.key_id);
    }
  }
  if (key == nullptr) {
    return absl::NotFoundError(absl::StrCat("tree head names key ", Quote(head.key_id),
                                            ", which is not one of the audit signing keys (",
                                            absl::StrJoin(known, ", "), ")"));
  }
  return VerifyWithKey(head, key.get());
}

namespace {

// A thread's HMAC-SHA256 context, keyed once and re-initialised per MAC:
// OpenSSL 3's one-shot HMAC() fetches the algorithm and sets the key on
// every call (1.96 us for a 400-byte event here, against 0.52 us), and
// sealing and verifying make two MACs an event. Per thread, so nothing is
// shared; freed when the thread ends.
struct ThreadMacContext {
  ~ThreadMacContext() { EVP_MAC_CTX_free(ctx); }
  uint64_t state_id = 0;
  EVP_MAC_CTX* ctx = nullptr;
};

EVP_MAC_CTX* KeyedMacContext(uint64_t state_id, const std::string& key) {
  static EVP_MAC* const hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  thread_local ThreadMacContext cached;
  if (hmac == nullptr) return nullptr;
  if (cached.ctx == nullptr) cached.ctx = EVP_MAC_CTX_new(hmac);
  if (cached.ctx == nullptr) return nullptr;
  if (cached.state_id != state_id) {
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end()};
    if (EVP_MAC_init(cached.ctx, reinterpret_cast<const unsigned char*>(key.data()),
                     key.size(), params) != 1) {
      return nullptr;
    }
    cached.state_id = state_id;
  } else if (EVP_MAC_init(cached.ctx, nullptr, 0, nullptr) != 1) {  // Same key again.
    return nullptr;
  }
  return cached.ctx;
}

}  // namespace

std::string AuditKeyRing::EventMac(absl::string_view canonical_bytes) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t length = 0;
  EVP_MAC_CTX* ctx = KeyedMacContext(state_->id, state_->mac_key);
  if (ctx == nullptr ||
      EVP_MAC_update(ctx, Bytes(canonical_bytes), canonical_bytes.size()) != 1 ||
      EVP_MAC_final(ctx, mac, &length, sizeof(mac)) != 1 || length != kEventMacBytes) {
    spdlog::critical("audit keys: HMAC-SHA256 failed: {}", TakeOpenSslErrors());
    std::abort();
  }
  return std::string(reinterpret_cast<const char*>(mac), length);
}

bool AuditKeyRing::CheckEventMac(absl::string_view canonical_bytes, absl::string_view mac) const {
  if (mac.size() != kEventMacBytes) return false;
  const std::string expected = EventMac(canonical_bytes);
  return CRYPTO_memcmp(expected.data(), mac.data(), kEventMacBytes) == 0;
}

std::vector<PublicKeyInfo> AuditKeyRing::PublicKeys() const {
  std::vector<PublicKeyInfo> out;
  absl::ReaderMutexLock lock(&state_->mu);
  for (const SigningKey& k : state_->keys) {
    out.push_back(PublicKeyInfo{k.key_id, k.public_key, k.created});
  }
  return out;
}

std::string AuditKeyRing::ExportPublicKeys() const {
  std::string out;
  for (const PublicKeyInfo& k : PublicKeys()) {
    absl::StrAppend(&out, "ed25519 ", k.key_id, " ", absl::Base64Escape(k.public_key), " ",
                    absl::ToUnixMicros(k.created), "\n");
  }
  return out;
}

absl::StatusOr<std::vector<PublicKeyInfo>> AuditKeyRing::ParsePublicKeys(absl::string_view text) {
  std::vector<PublicKeyInfo> out;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    absl::ConsumeSuffix(&line, "\r");
    if (absl::StripAsciiWhitespace(line).empty() || absl::StartsWith(line, "#")) continue;
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat("public keys, line ", line_number, ": ", why));
    };
    const std::vector<absl::string_view> fields = absl::StrSplit(line, ' ');
    if (fields.size() != 4 || fields[0] != "ed25519") {
      return bad(absl::StrCat(Quote(line),
                              " is not \"ed25519 <key id> <public key base64> <created micros>\""));
    }
    PublicKeyInfo key;
    if (!ParseCanonicalBase64(fields[2], kEd25519PublicKeyBytes, &key.public_key)) {
      return bad(
          absl::StrCat("public key ", Quote(fields[2]), " is not 32 bytes in padded base64"));
    }
    key.key_id = KeyIdOf(key.public_key);
    if (fields[1] != key.key_id) {
      return bad(absl::StrCat("key id ", Quote(fields[1]), " is not the id of its key (",
                              key.key_id, ")"));
    }
    int64_t micros = 0;
    if (!ParseCanonicalInt64(fields[3], /*allow_negative=*/true, &micros)) {
      return bad(absl::StrCat("creation time ", Quote(fields[3]),
                              " is not a decimal count of microseconds since the Unix epoch"));
    }
    key.created = absl::FromUnixMicros(micros);
    for (const PublicKeyInfo& other : out) {
      if (other.key_id == key.key_id) return bad(absl::StrCat("key ", key.key_id, " again"));
    }
    out.push_back(std::move(key));
  }
  return out;
}

absl::Status AuditKeyRing::VerifyWithPublicKey(const SignedTreeHead& head,
                                               absl::string_view raw_public_key) {
  CB_RETURN_IF_ERROR(CheckHeadShape(head));
  if (raw_public_key.size() != kEd25519PublicKeyBytes) {
    return absl::InvalidArgumentError(absl::StrCat("an Ed25519 public key is ",
                                                   kEd25519PublicKeyBytes, " bytes, not ",
                                                   raw_public_key.size()));
  }
  const std::string key_id = KeyIdOf(raw_public_key);
  if (key_id != head.key_id) {
    return absl::InvalidArgumentError(absl::StrCat("tree head names key ", Quote(head.key_id),
                                                   ", not the key given (", key_id, ")"));
  }
  PkeyPtr key(EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr, Bytes(raw_public_key),
                                             raw_public_key.size()));
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an Ed25519 public key: ", TakeOpenSslErrors()));
  }
  return VerifyWithKey(head, key.get());
}

}  // namespace casebridge::storage
