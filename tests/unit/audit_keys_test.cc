// The audit log's keys: tree head signing and verification (with a ring and
// offline with public keys only), rotation, the key directory's files and
// permissions, the event HMAC, and the text forms of heads and public keys.
#include "storage/audit_keys.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"
#include "storage/crypto.h"

namespace casebridge::storage {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::SizeIs;

// A fresh directory, removed afterwards.
class TempDir : public test_support::TempDir {
 public:
  TempDir() : test_support::TempDir("audit_keys_test") {}
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, absl::string_view contents, mode_t mode) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
  ASSERT_EQ(chmod(path.c_str(), mode), 0);
}

mode_t ModeOf(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

std::vector<std::string> SigningKeyFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("signing-", 0) == 0) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Root(absl::string_view seed) { return Sha256(seed); }

const absl::Time kTime = absl::FromUnixMicros(1'700'000'000'123'456);

AuditKeyRing MakeRing(const std::string& dir) {
  absl::StatusOr<AuditKeyRing> ring = AuditKeyRing::LoadOrCreate(dir);
  if (!ring.ok()) {
    ADD_FAILURE() << ring.status();
    std::abort();
  }
  return *std::move(ring);
}

std::string FlipBit(std::string s, size_t bit) {
  s[bit / 8] = static_cast<char>(s[bit / 8] ^ (1 << (bit % 8)));
  return s;
}

// ------------------------------------------------------------ signed heads

TEST(AuditKeyRingTest, SignsAndVerifies) {
  TempDir dir;
  AuditKeyRing ring = MakeRing(dir.path());
  // Nanoseconds are dropped: the head holds what is signed.
  const SignedTreeHead head = ring.Sign(42, Root("a"), kTime + absl::Nanoseconds(789));
  EXPECT_EQ(head.tree_size, 42);
  EXPECT_EQ(head.root_hash, Root("a"));
  EXPECT_EQ(head.time, kTime);
  EXPECT_EQ(head.key_id, ring.ActiveKeyId());
  EXPECT_THAT(head.key_id, SizeIs(32));
  EXPECT_THAT(head.signature, SizeIs(kTreeHeadSignatureBytes));
  EXPECT_TRUE(ring.Verify(head).ok()) << ring.Verify(head);
  // The empty tree and times before 1970 are heads too.
  const SignedTreeHead empty = ring.Sign(0, Root(""), absl::FromUnixMicros(-5));
  EXPECT_TRUE(ring.Verify(empty).ok()) << ring.Verify(empty);
}

TEST(AuditKeyRingTest, MessageIsTheDocumentedBytes) {
  SignedTreeHead head;
  head.tree_size = 0x0102030405060708;
  head.root_hash = std::string(32, '\xab');
  head.time = absl::FromUnixMicros(-2);
  head.key_id = "0123456789abcdef0123456789abcdef";
  head.signature = std::string(64, 's');  // Not covered.
  const std::string expected = absl::StrCat(
      "casebridge-tree-head-v1\n", absl::HexStringToBytes("0102030405060708"),
      std::string(32, '\xab'), absl::HexStringToBytes("fffffffffffffffe"),
      absl::HexStringToBytes("0000000000000020"), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(SignedTreeHeadMessage(head), expected);
}

TEST(AuditKeyRingTest, AFlippedBitInAnyFieldFails) {
  TempDir dir;
  AuditKeyRing ring = MakeRing(dir.path());
  const SignedTreeHead head = ring.Sign(1234567, Root("b"), kTime);
  const std::string public_key = ring.PublicKeys().back().public_key;
  ASSERT_TRUE(ring.Verify(head).ok());
  ASSERT_TRUE(AuditKeyRing::VerifyWithPublicKey(head, public_key).ok());
  int checked = 0;
  auto expect_fails = [&](const SignedTreeHead& altered, const std::string& what) {
    ++checked;
    EXPECT_FALSE(ring.Verify(altered).ok()) << what;
    EXPECT_FALSE(AuditKeyRing::VerifyWithPublicKey(altered, public_key).ok()) << what;
  };
  for (int bit = 0; bit < 64; ++bit) {
    SignedTreeHead altered = head;
    altered.tree_size = static_cast<int64_t>(static_cast<uint64_t>(head.tree_size) ^ (1ull << bit));
    expect_fails(altered, absl::StrCat("tree_size bit ", bit));
    altered = head;
    altered.time = absl::FromUnixMicros(static_cast<int64_t>(
        static_cast<uint64_t>(absl::ToUnixMicros(head.time)) ^ (1ull << bit)));
    expect_fails(altered, absl::StrCat("time bit ", bit));
  }
  for (size_t bit = 0; bit < head.root_hash.size() * 8; ++bit) {
    SignedTreeHead altered = head;
    altered.root_hash = FlipBit(head.root_hash, bit);
    expect_fails(altered, absl::StrCat("root bit ", bit));
  }
  for (size_t bit = 0; bit < head.key_id.size() * 8; ++bit) {
    SignedTreeHead altered = head;
    altered.key_id = FlipBit(head.key_id, bit);
    expect_fails(altered, absl::StrCat("key_id bit ", bit));
  }
  for (size_t bit = 0; bit < head.signature.size() * 8; ++bit) {
    SignedTreeHead altered = head;
    altered.signature = FlipBit(head.signature, bit);
    expect_fails(altered, absl::StrCat("signature bit ", bit));
  }
  EXPECT_EQ(checked, 64 * 2 + 32 * 8 + 32 * 8 + 64 * 8);
}

TEST(AuditKeyRingTest, VerifyErrorsSayWhatIsWrong) {
  TempDir dir;
  AuditKeyRing ring = MakeRing(dir.path());
  const SignedTreeHead head = ring.Sign(7, Root("c"), kTime);

  SignedTreeHead bad_signature = head;
  bad_signature.signature[0] ^= 1;
  EXPECT_EQ(ring.Verify(bad_signature).code(), absl::StatusCode::kDataLoss);

  SignedTreeHead altered_root = head;
  altered_root.root_hash[31] ^= 0x80;
  EXPECT_EQ(ring.Verify(altered_root).code(), absl::StatusCode::kDataLoss);

  SignedTreeHead unknown_key = head;
  unknown_key.key_id = "00000000000000000000000000000000";
  const absl::Status unknown = ring.Verify(unknown_key);
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(unknown.message(), HasSubstr("00000000000000000000000000000000"));
  EXPECT_THAT(unknown.message(), HasSubstr(head.key_id));  // The keys it does have.

  SignedTreeHead short_root = head;
  short_root.root_hash.pop_back();
  EXPECT_EQ(ring.Verify(short_root).code(), absl::StatusCode::kInvalidArgument);
  SignedTreeHead short_signature = head;
  short_signature.signature.pop_back();
  EXPECT_EQ(ring.Verify(short_signature).code(), absl::StatusCode::kInvalidArgument);
  SignedTreeHead negative = head;
  negative.tree_size = -1;
  EXPECT_EQ(ring.Verify(negative).code(), absl::StatusCode::kInvalidArgument);
}

TEST(AuditKeyRingTest, AnotherRingsHeadIsNotFound) {
  TempDir a, b;
  AuditKeyRing ring_a = MakeRing(a.path());
  AuditKeyRing ring_b = MakeRing(b.path());
  EXPECT_NE(ring_a.ActiveKeyId(), ring_b.ActiveKeyId());
  EXPECT_EQ(ring_b.Verify(ring_a.Sign(1, Root("d"), kTime)).code(), absl::StatusCode::kNotFound);
}

// ---------------------------------------------------------------- rotation

TEST(AuditKeyRingTest, RotationKeepsOldHeadsVerifiable) {
  TempDir dir;
  AuditKeyRing ring = MakeRing(dir.path());
  const std::string first = ring.ActiveKeyId();
  const SignedTreeHead old_head = ring.Sign(10, Root("old"), kTime);

  absl::StatusOr<std::string> second = ring.Rotate();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(*second, first);
  EXPECT_EQ(ring.ActiveKeyId(), *second);
  const SignedTreeHead new_head = ring.Sign(11, Root("new"), kTime);
  EXPECT_EQ(new_head.key_id, *second);
  EXPECT_TRUE(ring.Verify(old_head).ok());
  EXPECT_TRUE(ring.Verify(new_head).ok());

  // Again within the same second: still a new, newest key.
  absl::StatusOr<std::string> third = ring.Rotate();
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(ring.ActiveKeyId(), *third);
  EXPECT_THAT(SigningKeyFiles(dir.path()), SizeIs(3));

  const std::vector<PublicKeyInfo> keys = ring.PublicKeys();
  ASSERT_THAT(keys, SizeIs(3));
  EXPECT_EQ(keys[0].key_id, first);
  EXPECT_EQ(keys[1].key_id, *second);
  EXPECT_EQ(keys[2].key_id, *third);
  EXPECT_LT(keys[0].created, keys[1].created);
  EXPECT_LT(keys[1].created, keys[2].created);

  // A server started later finds every key, the newest active.
  absl::StatusOr<AuditKeyRing> loaded = AuditKeyRing::Load(dir.path());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->PublicKeys(), keys);
  EXPECT_EQ(loaded->ActiveKeyId(), *third);
  EXPECT_TRUE(loaded->Verify(old_head).ok());
  EXPECT_TRUE(loaded->Verify(new_head).ok());
  EXPECT_EQ(loaded->Sign(12, Root("x"), kTime).key_id, *third);
}

TEST(AuditKeyRingTest, SignsAndVerifiesWhileRotating) {
  TempDir dir;
  AuditKeyRing ring = MakeRing(dir.path());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&ring, &failures, t] {
      for (int i = 0; i < 200; ++i) {
        const SignedTreeHead head = ring.Sign(i, Root(absl::StrCat(t, "/", i)), kTime);
        if (!ring.Verify(head).ok()) ++failures;
        if (!ring.CheckEventMac("x", ring.EventMac("x"))) ++failures;
      }
    });
  }
  for (int r = 0; r < 3; ++r) {
    absl::StatusOr<std::string> rotated = ring.Rotate();
    EXPECT_TRUE(rotated.ok()) << rotated.status();
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_THAT(ring.PublicKeys(), SizeIs(4));
}

// ------------------------------------------------------- files and modes

TEST(AuditKeyRingTest, LoadOrCreateMakesPrivateFiles) {
  TempDir parent;
  const std::string dir = parent.path() + "/keys";
  AuditKeyRing ring = MakeRing(dir);
  EXPECT_EQ(ModeOf(dir), 0700u);
  EXPECT_EQ(ModeOf(dir + "/event-mac.key"), 0600u);
  const std::vector<std::string> signing = SigningKeyFiles(dir);
  ASSERT_THAT(signing, SizeIs(1));
  EXPECT_EQ(ModeOf(signing[0]), 0600u);
  EXPECT_THAT(fs::path(signing[0]).filename().string(),
              ::testing::MatchesRegex("signing-[0-9]{8}T[0-9]{6}Z\\.pem"));
  EXPECT_THAT(ReadFile(signing[0]), HasSubstr("-----BEGIN PRIVATE KEY-----"));  // PKCS#8
  EXPECT_THAT(ReadFile(dir + "/event-mac.key"), ::testing::MatchesRegex("[0-9a-f]{64}\n"));
  // No temporary file is left behind.
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    ++entries;
    EXPECT_NE(e.path().filename().string()[0], '.') << e.path();
  }
  EXPECT_EQ(entries, 2);

  // A restart keeps the keys it made.
  const std::string mac = ring.EventMac("event");
  AuditKeyRing again = MakeRing(dir);
  EXPECT_EQ(again.PublicKeys(), ring.PublicKeys());
  EXPECT_EQ(again.EventMac("event"), mac);
  EXPECT_THAT(SigningKeyFiles(dir), SizeIs(1));
}

TEST(AuditKeyRingTest, RefusesAKeyOthersMayRead) {
  for (const char* which : {"signing", "mac"}) {
    for (mode_t mode : {0640, 0604, 0620, 0660, 0644}) {
      TempDir dir;
      MakeRing(dir.path());
      const std::string file = std::string(which) == "mac" ? dir.path() + "/event-mac.key"
                                                           : SigningKeyFiles(dir.path())[0];
      ASSERT_EQ(chmod(file.c_str(), mode), 0);
      for (bool create : {false, true}) {
        absl::StatusOr<AuditKeyRing> ring = create ? AuditKeyRing::LoadOrCreate(dir.path())
                                                   : AuditKeyRing::Load(dir.path());
        EXPECT_EQ(ring.status().code(), absl::StatusCode::kFailedPrecondition) << file;
        EXPECT_THAT(ring.status().message(), HasSubstr(file));
        EXPECT_THAT(ring.status().message(), HasSubstr(absl::StrFormat("%04o", mode)));
      }
    }
  }
}

TEST(AuditKeyRingTest, AcceptsAReadOnlyKey) {
  TempDir dir;
  MakeRing(dir.path());
  ASSERT_EQ(chmod(SigningKeyFiles(dir.path())[0].c_str(), 0400), 0);
  EXPECT_TRUE(AuditKeyRing::Load(dir.path()).ok());
}

TEST(AuditKeyRingTest, RefusesADirectoryOthersMayWrite) {
  TempDir dir;
  MakeRing(dir.path());
  ASSERT_EQ(chmod(dir.path().c_str(), 0770), 0);
  absl::StatusOr<AuditKeyRing> ring = AuditKeyRing::Load(dir.path());
  EXPECT_EQ(ring.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(ring.status().message(), HasSubstr(dir.path()));
  EXPECT_THAT(ring.status().message(), HasSubstr("0770"));
  // Nor are keys made in one.
  TempDir other;
  ASSERT_EQ(chmod(other.path().c_str(), 0777), 0);
  EXPECT_EQ(AuditKeyRing::LoadOrCreate(other.path()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(fs::is_empty(other.path()));
}

TEST(AuditKeyRingTest, LoadNeedsBothKinds) {
  TempDir parent;
  EXPECT_EQ(AuditKeyRing::Load(parent.path() + "/missing").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(AuditKeyRing::Load(parent.path()).status().code(),
            absl::StatusCode::kFailedPrecondition);

  TempDir no_mac;
  MakeRing(no_mac.path());
  ASSERT_EQ(unlink((no_mac.path() + "/event-mac.key").c_str()), 0);
  absl::StatusOr<AuditKeyRing> ring = AuditKeyRing::Load(no_mac.path());
  EXPECT_EQ(ring.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(ring.status().message(), HasSubstr("event-mac.key"));

  TempDir no_signing;
  MakeRing(no_signing.path());
  ASSERT_EQ(unlink(SigningKeyFiles(no_signing.path())[0].c_str()), 0);
  ring = AuditKeyRing::Load(no_signing.path());
  EXPECT_EQ(ring.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(ring.status().message(), HasSubstr("no signing key"));
}

std::string PemOf(EVP_PKEY* key, const EVP_CIPHER* cipher = nullptr) {
  BIO* bio = BIO_new(BIO_s_mem());
  const char password[] = "secret";
  if (cipher == nullptr) {
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    PEM_write_bio_PKCS8PrivateKey(bio, key, cipher, password, sizeof(password) - 1, nullptr,
                                  nullptr);
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(length));
  BIO_free(bio);
  return out;
}

TEST(AuditKeyRingTest, RefusesFilesThatAreNotKeys) {
  EVP_PKEY* ec = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  EVP_PKEY* ed = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  ASSERT_NE(ec, nullptr);
  ASSERT_NE(ed, nullptr);
  const struct {
    std::string name;
    std::string contents;
    std::string message;
  } cases[] = {
      {"signing-2024.pem", PemOf(ed), "signing-<UTC creation time"},
      {"signing-20241301T000000Z.pem", PemOf(ed), "signing-<UTC creation time"},  // Month 13.
      {"signing-20240101T000000Z.pem", "not a key", "not an unencrypted PKCS#8 PEM"},
      {"signing-20240101T000000Z.pem", PemOf(ec), "not an Ed25519 key"},
      // Never prompts for the passphrase.
      {"signing-20240101T000000Z.pem", PemOf(ed, EVP_aes_256_cbc()), "not an unencrypted"},
      {"event-mac.key", "abcd\n", "not an HMAC key"},
      {"event-mac.key", std::string(63, 'a') + "g\n", "not an HMAC key"},
  };
  for (const auto& c : cases) {
    TempDir dir;
    MakeRing(dir.path());
    WriteFile(dir.path() + "/" + c.name, c.contents, 0600);
    absl::StatusOr<AuditKeyRing> ring = AuditKeyRing::Load(dir.path());
    EXPECT_EQ(ring.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_THAT(ring.status().message(), HasSubstr(c.name));
    EXPECT_THAT(ring.status().message(), HasSubstr(c.message));
  }
  EVP_PKEY_free(ec);
  EVP_PKEY_free(ed);
}

TEST(AuditKeyRingTest, RefusesTheSameKeyTwice) {
  TempDir dir;
  MakeRing(dir.path());
  const std::string key = SigningKeyFiles(dir.path())[0];
  WriteFile(dir.path() + "/signing-20000101T000000Z.pem", ReadFile(key), 0600);
  absl::StatusOr<AuditKeyRing> ring = AuditKeyRing::Load(dir.path());
  EXPECT_EQ(ring.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ring.status().message(), HasSubstr("the same key"));
}

TEST(AuditKeyRingTest, IgnoresOtherFiles) {
  TempDir dir;
  AuditKeyRing ring = MakeRing(dir.path());
  WriteFile(dir.path() + "/README", "keys", 0644);
  WriteFile(dir.path() + "/.signing-20990101T000000Z.pem.tmp-0011", "half a key", 0600);
  absl::StatusOr<AuditKeyRing> loaded = AuditKeyRing::Load(dir.path());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->PublicKeys(), ring.PublicKeys());
}

// ---------------------------------------------------------------- event MAC

TEST(AuditKeyRingTest, EventMacIsHmacSha256) {
  TempDir dir;
  ASSERT_EQ(chmod(dir.path().c_str(), 0700), 0);
  std::string key_hex;
  for (int i = 0; i < 32; ++i) key_hex += absl::StrFormat("%02x", i);
  WriteFile(dir.path() + "/event-mac.key", key_hex + "\n", 0600);
  MakeRing(dir.path());  // Adds a signing key, keeps this HMAC key.
  absl::StatusOr<AuditKeyRing> ring = AuditKeyRing::Load(dir.path());
  ASSERT_TRUE(ring.ok()) << ring.status();
  // HMAC-SHA256(key = 00 01 .. 1f, "abc"), as Python's hmac computes it.
  EXPECT_EQ(absl::BytesToHexString(ring->EventMac("abc")),
            "f0133729c4163dede81e21cd47839256da58171238c8a0d874397c73b14e1e47");
}

TEST(AuditKeyRingTest, EventMacDiffersPerKeyAndPerByte) {
  TempDir a, b;
  AuditKeyRing ring_a = MakeRing(a.path());
  AuditKeyRing ring_b = MakeRing(b.path());
  const std::string event = "cb-audit-v1;1:7;16:1700000000123456;";
  const std::string mac = ring_a.EventMac(event);
  EXPECT_THAT(mac, SizeIs(kEventMacBytes));
  EXPECT_EQ(ring_a.EventMac(event), mac);
  EXPECT_NE(ring_b.EventMac(event), mac);
  EXPECT_TRUE(ring_a.CheckEventMac(event, mac));
  EXPECT_FALSE(ring_b.CheckEventMac(event, mac));
  for (size_t bit = 0; bit < event.size() * 8; ++bit) {
    const std::string altered = FlipBit(event, bit);
    EXPECT_NE(ring_a.EventMac(altered), mac) << bit;
    EXPECT_FALSE(ring_a.CheckEventMac(altered, mac)) << bit;
  }
  EXPECT_NE(ring_a.EventMac(event + "x"), mac);
  EXPECT_NE(ring_a.EventMac(event.substr(1)), mac);
  for (size_t bit = 0; bit < mac.size() * 8; ++bit) {
    EXPECT_FALSE(ring_a.CheckEventMac(event, FlipBit(mac, bit))) << bit;
  }
  EXPECT_FALSE(ring_a.CheckEventMac(event, mac.substr(0, 31)));
  EXPECT_FALSE(ring_a.CheckEventMac(event, mac + "x"));
  EXPECT_FALSE(ring_a.CheckEventMac(event, ""));
  // Rotation is of signing keys only: event MACs stay checkable.
  ASSERT_TRUE(ring_a.Rotate().ok());
  EXPECT_TRUE(ring_a.CheckEventMac(event, mac));
}

// ------------------------------------------------------------ text forms

TEST(AuditKeyRingTest, EncodesAndDecodesHeads) {
  TempDir dir;
  AuditKeyRing ring = MakeRing(dir.path());
  for (const SignedTreeHead& head :
       {ring.Sign(0, Root("e"), absl::FromUnixMicros(0)), ring.Sign(99, Root("f"), kTime),
        ring.Sign(std::numeric_limits<int64_t>::max(), Root("g"), absl::FromUnixMicros(-1))}) {
    const std::string line = EncodeTreeHead(head);
    EXPECT_EQ(line, absl::StrCat("v1 ", head.tree_size, " ", absl::Base64Escape(head.root_hash),
                                 " ", absl::ToUnixMicros(head.time), " ", head.key_id, " ",
                                 absl::Base64Escape(head.signature)));
    EXPECT_EQ(line.find('\n'), std::string::npos);
    absl::StatusOr<SignedTreeHead> decoded = DecodeTreeHead(line);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, head);
    EXPECT_TRUE(ring.Verify(*decoded).ok());
    decoded = DecodeTreeHead(line + "\n");
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, head);
  }
}

TEST(AuditKeyRingTest, RejectsMalformedHeadLines) {
  TempDir dir;
  AuditKeyRing ring = MakeRing(dir.path());
  const SignedTreeHead head = ring.Sign(5, Root("h"), kTime);
  const std::string root = absl::Base64Escape(head.root_hash);
  const std::string sig = absl::Base64Escape(head.signature);
  const std::string id = head.key_id;
  auto line = [&](absl::string_view version, absl::string_view size, absl::string_view r,
                  absl::string_view time, absl::string_view key, absl::string_view s) {
    return absl::StrCat(version, " ", size, " ", r, " ", time, " ", key, " ", s);
  };
  const std::string good = line("v1", "5", root, "1700000000123456", id, sig);
  ASSERT_TRUE(DecodeTreeHead(good).ok());
  std::string unpadded_root = root;
  while (!unpadded_root.empty() && unpadded_root.back() == '=') unpadded_root.pop_back();
  // 32 bytes leave the last base64 digit two unused (low) bits: setting one
  // is a second spelling of the same bytes.
  constexpr absl::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string noncanonical_root = root;
  noncanonical_root[42] = kAlphabet[kAlphabet.find(root[42]) ^ 1];
  const struct {
    std::string line;
    std::string field;
  } cases[] = {
      {"", "fields"},
      {"v1 5", "fields"},
      {good + " extra", "fields"},
      {" " + good, "fields"},
      {good + " ", "fields"},
      {absl::StrReplaceAll(good, {{" ", "  "}}), "fields"},
      {absl::StrReplaceAll(good, {{" ", "\t"}}), "fields"},
      {good + "\n\n", "signature"},
      {good + "\r\n", "signature"},
      {line("v2", "5", root, "1700000000123456", id, sig), "version"},
      {line("V1", "5", root, "1700000000123456", id, sig), "version"},
      {line("v1", "-5", root, "1700000000123456", id, sig), "tree size"},
      {line("v1", "+5", root, "1700000000123456", id, sig), "tree size"},
      {line("v1", "05", root, "1700000000123456", id, sig), "tree size"},
      {line("v1", "5x", root, "1700000000123456", id, sig), "tree size"},
      {line("v1", "", root, "1700000000123456", id, sig), "tree size"},
      {line("v1", "9223372036854775808", root, "1700000000123456", id, sig), "tree size"},
      {line("v1", "5", unpadded_root, "1700000000123456", id, sig), "root hash"},
      {line("v1", "5", noncanonical_root, "1700000000123456", id, sig), "root hash"},
      {line("v1", "5", absl::Base64Escape(std::string(31, 'r')), "1700000000123456", id, sig),
       "root hash"},
      {line("v1", "5", absl::Base64Escape(std::string(33, 'r')), "1700000000123456", id, sig),
       "root hash"},
      {line("v1", "5", absl::WebSafeBase64Escape(std::string(32, '\xff')), "1700000000123456",
            id, sig),
       "root hash"},
      {line("v1", "5", "!" + root.substr(1), "1700000000123456", id, sig), "root hash"},
      {line("v1", "5", root, "1700000000123456.5", id, sig), "time"},
      {line("v1", "5", root, "2023-11-14T22:13:20Z", id, sig), "time"},
      {line("v1", "5", root, "-0", id, sig), "time"},
      {line("v1", "5", root, "", id, sig), "time"},
      {line("v1", "5", root, "99999999999999999999", id, sig), "time"},
      {line("v1", "5", root, "1700000000123456", absl::AsciiStrToUpper(id), sig), "key id"},
      {line("v1", "5", root, "1700000000123456", id.substr(1), sig), "key id"},
      {line("v1", "5", root, "1700000000123456", id + "0", sig), "key id"},
      {line("v1", "5", root, "1700000000123456", "g" + id.substr(1), sig), "key id"},
      {line("v1", "5", root, "1700000000123456", id, absl::Base64Escape(std::string(63, 's'))),
       "signature"},
      {line("v1", "5", root, "1700000000123456", id, absl::Base64Escape(std::string(65, 's'))),
       "signature"},
      {line("v1", "5", root, "1700000000123456", id, sig.substr(0, sig.size() - 2)), "signature"},
      {line("v1", "5", root, "1700000000123456", id, ""), "signature"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<SignedTreeHead> decoded = DecodeTreeHead(c.line);
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument)
        << absl::CEscape(c.line);
    EXPECT_THAT(decoded.status().message(), HasSubstr(c.field)) << absl::CEscape(c.line);
  }
}

TEST(AuditKeyRingTest, KeyIdIsTruncatedSha256OfThePublicKey) {
  // RFC 8032, section 7.1, test 1.
  EXPECT_EQ(KeyIdOf(absl::HexStringToBytes(
                "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")),
            "21fe31dfa154a261626bf854046fd227");
  TempDir dir;
  AuditKeyRing ring = MakeRing(dir.path());
  const PublicKeyInfo key = ring.PublicKeys().back();
  EXPECT_THAT(key.public_key, SizeIs(kEd25519PublicKeyBytes));
  EXPECT_EQ(KeyIdOf(key.public_key), key.key_id);
}

TEST(AuditKeyRingTest, OfflineVerificationWithExportedPublicKeys) {
  TempDir dir;
  AuditKeyRing ring = MakeRing(dir.path());
  const SignedTreeHead old_head = ring.Sign(1, Root("i"), kTime);
  ASSERT_TRUE(ring.Rotate().ok());
  const SignedTreeHead new_head = ring.Sign(2, Root("j"), kTime);

  const std::string exported = ring.ExportPublicKeys();
  const std::vector<PublicKeyInfo> keys = ring.PublicKeys();
  ASSERT_THAT(keys, SizeIs(2));
  EXPECT_EQ(exported, absl::StrCat("ed25519 ", keys[0].key_id, " ",
                                   absl::Base64Escape(keys[0].public_key), " ",
                                   absl::ToUnixMicros(keys[0].created), "\n", "ed25519 ",
                                   keys[1].key_id, " ", absl::Base64Escape(keys[1].public_key),
                                   " ", absl::ToUnixMicros(keys[1].created), "\n"));
  // The private keys are nowhere in it.
  EXPECT_THAT(exported, ::testing::Not(HasSubstr("PRIVATE")));

  absl::StatusOr<std::vector<PublicKeyInfo>> parsed =
      AuditKeyRing::ParsePublicKeys("# audit keys\n\n" + exported);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, keys);

  // What the CLI does: the key the head names, then its signature.
  auto verify = [&](const SignedTreeHead& head) {
    for (const PublicKeyInfo& key : *parsed) {
      if (key.key_id == head.key_id) {
        return AuditKeyRing::VerifyWithPublicKey(head, key.public_key);
      }
    }
    return absl::NotFoundError("no such key");
  };
  EXPECT_TRUE(verify(old_head).ok());
  EXPECT_TRUE(verify(new_head).ok());
  // Round trip through the text form too.
  EXPECT_TRUE(verify(*DecodeTreeHead(EncodeTreeHead(new_head))).ok());

  SignedTreeHead altered = new_head;
  altered.tree_size = 3;
  EXPECT_EQ(verify(altered).code(), absl::StatusCode::kDataLoss);
  // The wrong key for the head.
  EXPECT_EQ(AuditKeyRing::VerifyWithPublicKey(old_head, keys[1].public_key).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AuditKeyRing::VerifyWithPublicKey(old_head, keys[0].public_key.substr(1)).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(AuditKeyRingTest, RejectsMalformedPublicKeyLines) {
  TempDir dir;
  AuditKeyRing ring = MakeRing(dir.path());
  const PublicKeyInfo key = ring.PublicKeys().back();
  const std::string b64 = absl::Base64Escape(key.public_key);
  const std::string other_id = KeyIdOf(std::string(32, 'z'));
  const std::string good = absl::StrCat("ed25519 ", key.key_id, " ", b64, " 1700000000000000");
  ASSERT_TRUE(AuditKeyRing::ParsePublicKeys(good).ok());
  const struct {
    std::string text;
    std::string message;
  } cases[] = {
      {absl::StrCat("ed448 ", key.key_id, " ", b64, " 1"), "line 1"},
      {absl::StrCat("ed25519 ", key.key_id, " ", b64), "line 1"},
      {absl::StrCat("ed25519 ", key.key_id, " ", b64, " 1 extra"), "line 1"},
      {absl::StrCat("# comment\ned25519 ", other_id, " ", b64, " 1"), "line 2: key id"},
      {absl::StrCat("ed25519 ", key.key_id, " ", b64.substr(1), " 1"), "public key"},
      {absl::StrCat("ed25519 ", key.key_id, " ", absl::Base64Escape(std::string(31, 'k')), " 1"),
       "public key"},
      {absl::StrCat("ed25519 ", key.key_id, " ", b64, " soon"), "creation time"},
      {absl::StrCat(good, "\n", good, "\n"), "line 2: key " + key.key_id + " again"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<std::vector<PublicKeyInfo>> parsed = AuditKeyRing::ParsePublicKeys(c.text);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(parsed.status().message(), HasSubstr(c.message)) << c.text;
  }
}

}  // namespace
}  // namespace casebridge::storage
