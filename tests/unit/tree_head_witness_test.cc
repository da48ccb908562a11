// Tree head witnesses: the rules every witness keeps (never backwards, one
// root per size, identical heads once), and the file witness's durability:
// reopening, torn records from interrupted appends, a full disk, a process
// killed mid-append.
#include "storage/tree_head_witness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"
#include "storage/crypto.h"

namespace casebridge::storage {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::testing::SizeIs;

// A fresh directory, removed afterwards.
class TempDir : public test_support::TempDir {
 public:
  TempDir() : test_support::TempDir("tree_head_witness_test") {}
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void AppendRaw(const std::string& path, absl::string_view bytes) {
  std::ofstream(path, std::ios::binary | std::ios::app) << bytes;
}

// A well-formed head (witnesses do not check signatures); `variant` makes
// another root for the same size.
SignedTreeHead Head(int64_t size, int variant = 0, int64_t micros = 1'700'000'000'000'000) {
  SignedTreeHead head;
  head.tree_size = size;
  head.root_hash = Sha256(absl::StrCat("root ", size, " ", variant));
  head.time = absl::FromUnixMicros(micros + size % 1'000'000);
  head.key_id = "00112233445566778899aabbccddeeff";
  head.signature = Sha256(absl::StrCat("sig ", size)) + Sha256(absl::StrCat(variant));
  return head;
}

std::unique_ptr<FileWitness> OpenWitness(const std::string& dir) {
  absl::StatusOr<std::unique_ptr<FileWitness>> witness = FileWitness::Open(dir);
  if (!witness.ok()) {
    ADD_FAILURE() << witness.status();
    return nullptr;
  }
  return *std::move(witness);
}

std::string LogPath(const std::string& dir) { return dir + "/" + FileWitness::kFileName; }

// ------------------------------------------------------ rules, both kinds

class WitnessRulesTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      file_ = OpenWitness(dir_.path());
      ASSERT_NE(file_, nullptr);
      witness_ = file_.get();
    } else {
      witness_ = &memory_;
    }
  }

  TempDir dir_;
  MemoryWitness memory_;
  std::unique_ptr<FileWitness> file_;
  TreeHeadWitness* witness_ = nullptr;
};

INSTANTIATE_TEST_SUITE_P(Kinds, WitnessRulesTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "File" : "Memory"; });

TEST_P(WitnessRulesTest, RecordsAndReportsTheNewest) {
  absl::StatusOr<std::optional<SignedTreeHead>> newest = witness_->Newest();
  ASSERT_TRUE(newest.ok()) << newest.status();
  EXPECT_EQ(*newest, std::nullopt);
  for (int64_t size : {0, 1, 5, 5000}) {
    ASSERT_TRUE(witness_->Record(Head(size)).ok()) << size;
    newest = witness_->Newest();
    ASSERT_TRUE(newest.ok()) << newest.status();
    EXPECT_THAT(*newest, Optional(Head(size)));
  }
}

TEST_P(WitnessRulesTest, NeverGoesBackwards) {
  ASSERT_TRUE(witness_->Record(Head(10)).ok());
  const absl::Status older = witness_->Record(Head(9));
  EXPECT_EQ(older.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(older.message(), HasSubstr("never goes backwards"));
  EXPECT_THAT(older.message(), HasSubstr(witness_->Describe()));
  // Another root for the same size: the log was rewritten.
  const absl::Status fork = witness_->Record(Head(10, /*variant=*/1));
  EXPECT_EQ(fork.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(fork.message(), HasSubstr("rewritten"));
  EXPECT_THAT(*witness_->Newest(), Optional(Head(10)));
}

TEST_P(WitnessRulesTest, IdenticalHeadIsAcceptedOnce) {
  ASSERT_TRUE(witness_->Record(Head(3)).ok());
  const std::string before = file_ ? ReadFile(LogPath(dir_.path())) : "";
  EXPECT_TRUE(witness_->Record(Head(3)).ok());
  if (file_) {
    EXPECT_EQ(ReadFile(LogPath(dir_.path())), before);
  } else {
    EXPECT_THAT(memory_.Heads(), SizeIs(1));
  }
}

TEST_P(WitnessRulesTest, KeepsAReSignedHead) {
  ASSERT_TRUE(witness_->Record(Head(3)).ok());
  SignedTreeHead later = Head(3);
  later.time += absl::Seconds(60);
  later.signature[0] ^= 1;
  EXPECT_TRUE(witness_->Record(later).ok());
  EXPECT_THAT(*witness_->Newest(), Optional(later));
}

TEST_P(WitnessRulesTest, RefusesHeadsItCouldNotReadBack) {
  SignedTreeHead short_root = Head(1);
  short_root.root_hash.pop_back();
  SignedTreeHead bad_key_id = Head(1);
  bad_key_id.key_id = "key one";
  SignedTreeHead nanos = Head(1);
  nanos.time += absl::Nanoseconds(1);
  SignedTreeHead negative = Head(1);
  negative.tree_size = -1;
  for (const SignedTreeHead& head : {short_root, bad_key_id, nanos, negative}) {
    EXPECT_EQ(witness_->Record(head).code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(*witness_->Newest(), std::nullopt);
}

TEST_P(WitnessRulesTest, RecordIsThreadSafe) {
  // Threads racing with increasing sizes: each either keeps its head or is
  // refused for going backwards; what is kept only grows.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 25; ++i) {
        const absl::Status s = witness_->Record(Head(i * 4 + t));
        if (!s.ok() && s.code() != absl::StatusCode::kFailedPrecondition) ADD_FAILURE() << s;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::vector<SignedTreeHead> kept =
      file_ ? *FileWitness::ReadAll(dir_.path()) : memory_.Heads();
  ASSERT_FALSE(kept.empty());
  for (size_t i = 1; i < kept.size(); ++i) EXPECT_LT(kept[i - 1].tree_size, kept[i].tree_size);
}

TEST(MemoryWitnessTest, FailsWhileToldTo) {
  MemoryWitness witness;
  witness.SetFailure(absl::UnavailableError("down"));
  EXPECT_EQ(witness.Record(Head(1)).code(), absl::StatusCode::kUnavailable);
  witness.SetFailure(absl::OkStatus());
  EXPECT_TRUE(witness.Record(Head(1)).ok());
  EXPECT_THAT(witness.Heads(), SizeIs(1));
}

// ------------------------------------------------------------ file witness

TEST(FileWitnessTest, WritesOneCheckedLinePerHead) {
  TempDir parent;
  const std::string dir = parent.path() + "/witness";
  std::unique_ptr<FileWitness> witness = OpenWitness(dir);
  ASSERT_NE(witness, nullptr);
  EXPECT_EQ(witness->Describe(), "file witness " + LogPath(dir));
  ASSERT_TRUE(witness->Record(Head(1)).ok());
  ASSERT_TRUE(witness->Record(Head(2)).ok());
  const std::vector<std::string> lines =
      absl::StrSplit(ReadFile(LogPath(dir)), '\n', absl::SkipEmpty());
  ASSERT_THAT(lines, SizeIs(2));
  for (int i = 0; i < 2; ++i) {
    const std::string encoded = EncodeTreeHead(Head(i + 1));
    ASSERT_EQ(lines[i].substr(0, encoded.size() + 1), encoded + " ");
    EXPECT_EQ(lines[i].substr(encoded.size() + 1),
              absl::BytesToHexString(Sha256(encoded).substr(0, 8)));
    EXPECT_LE(lines[i].size() + 1, static_cast<size_t>(FileWitness::kMaxRecordBytes));
  }
  // The largest record still fits the bound the torn-record rule relies on.
  SignedTreeHead largest = Head(std::numeric_limits<int64_t>::max());
  largest.time = absl::FromUnixMicros(std::numeric_limits<int64_t>::min());
  EXPECT_LE(EncodeTreeHead(largest).size() + 18, static_cast<size_t>(FileWitness::kMaxRecordBytes));
}

TEST(FileWitnessTest, ReopenFindsTheNewest) {
  TempDir dir;
  {
    std::unique_ptr<FileWitness> witness = OpenWitness(dir.path());
    for (int i = 1; i <= 50; ++i) ASSERT_TRUE(witness->Record(Head(i)).ok());
  }
  std::unique_ptr<FileWitness> witness = OpenWitness(dir.path());
  ASSERT_NE(witness, nullptr);
  EXPECT_THAT(*witness->Newest(), Optional(Head(50)));
  EXPECT_EQ(witness->Record(Head(49)).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(witness->Record(Head(51)).ok());
  absl::StatusOr<std::vector<SignedTreeHead>> all = FileWitness::ReadAll(dir.path());
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_THAT(*all, SizeIs(51));
  for (int i = 0; i < 51; ++i) EXPECT_EQ((*all)[i], Head(i + 1));
}

TEST(FileWitnessTest, OneProcessAtATime) {
  TempDir dir;
  std::unique_ptr<FileWitness> first = OpenWitness(dir.path());
  ASSERT_NE(first, nullptr);
  absl::StatusOr<std::unique_ptr<FileWitness>> second = FileWitness::Open(dir.path());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.status().message(), HasSubstr("in use"));
  first.reset();
  EXPECT_TRUE(FileWitness::Open(dir.path()).ok());
}

// What a crash in the middle of appending the third record can leave.
struct Tear {
  const char* name;
  std::string (*bytes)(const std::string& record);
};

const Tear kTears[] = {
    {"OneByte", [](const std::string& r) { return r.substr(0, 1); }},
    {"Half", [](const std::string& r) { return r.substr(0, r.size() / 2); }},
    {"AllButTheNewline", [](const std::string& r) { return r.substr(0, r.size() - 1); }},
    {"Zeros", [](const std::string& r) { return std::string(r.size(), '\0'); }},
    {"StaleWithNewline",
     [](const std::string& r) {
       std::string s = r;
       s[10] ^= 1;
       return s;
     }},
};

class FileWitnessTornTest : public ::testing::TestWithParam<Tear> {};

INSTANTIATE_TEST_SUITE_P(Tears, FileWitnessTornTest, ::testing::ValuesIn(kTears),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_P(FileWitnessTornTest, TornRecordIsIgnoredThenCutAway) {
  TempDir dir;
  {
    std::unique_ptr<FileWitness> witness = OpenWitness(dir.path());
    ASSERT_TRUE(witness->Record(Head(1)).ok());
    ASSERT_TRUE(witness->Record(Head(2)).ok());
  }
  const std::string whole = ReadFile(LogPath(dir.path()));
  const std::string third = EncodeTreeHead(Head(3)) + " " +
                            absl::BytesToHexString(Sha256(EncodeTreeHead(Head(3))).substr(0, 8)) +
                            "\n";
  AppendRaw(LogPath(dir.path()), GetParam().bytes(third));

  // Read as absent, by a reader and by a witness.
  absl::StatusOr<std::vector<SignedTreeHead>> all = FileWitness::ReadAll(dir.path());
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(*all, SizeIs(2));
  std::unique_ptr<FileWitness> witness = OpenWitness(dir.path());
  ASSERT_NE(witness, nullptr);
  EXPECT_THAT(*witness->Newest(), Optional(Head(2)));

  // The next append replaces it.
  ASSERT_TRUE(witness->Record(Head(4)).ok());
  EXPECT_EQ(ReadFile(LogPath(dir.path())),
            whole + EncodeTreeHead(Head(4)) + " " +
                absl::BytesToHexString(Sha256(EncodeTreeHead(Head(4))).substr(0, 8)) + "\n");
  EXPECT_THAT(*witness->Newest(), Optional(Head(4)));
}

TEST(FileWitnessTest, AFileOfOnlyATornRecordIsEmpty) {
  TempDir dir;
  AppendRaw(LogPath(dir.path()), "v1 1 AAAA");
  std::unique_ptr<FileWitness> witness = OpenWitness(dir.path());
  ASSERT_NE(witness, nullptr);
  EXPECT_EQ(*witness->Newest(), std::nullopt);
  ASSERT_TRUE(witness->Record(Head(1)).ok());
  EXPECT_THAT(*FileWitness::ReadAll(dir.path()), SizeIs(1));
}

TEST(FileWitnessTest, DamageThatNoCrashLeavesIsDataLoss) {
  const struct {
    const char* name;
    // Applied to a file of records 1..5.
    std::string (*damage)(std::string);
    bool newest_sees_it;  // Newest reads only the end.
  } cases[] = {
      {"ALineInTheMiddle",
       [](std::string s) {
         s[s.find('\n') + 20] ^= 1;
         return s;
       },
       false},
      {"TheLastTwoLines",
       [](std::string s) {
         s[s.size() - 2] ^= 1;
         s[s.rfind('\n', s.size() - 2) - 2] ^= 1;
         return s;
       },
       true},
      {"MoreThanARecordAtTheEnd",
       [](std::string s) { return s + std::string(FileWitness::kMaxRecordBytes + 1, 'x'); },
       true},
      {"TwoLinesOfGarbageAtTheEnd", [](std::string s) { return s + "abc\ndef\n"; }, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    TempDir dir;
    {
      std::unique_ptr<FileWitness> witness = OpenWitness(dir.path());
      for (int i = 1; i <= 5; ++i) ASSERT_TRUE(witness->Record(Head(i)).ok());
    }
    const std::string damaged = c.damage(ReadFile(LogPath(dir.path())));
    std::ofstream(LogPath(dir.path()), std::ios::binary | std::ios::trunc) << damaged;

    absl::StatusOr<std::vector<SignedTreeHead>> all = FileWitness::ReadAll(dir.path());
    EXPECT_EQ(all.status().code(), absl::StatusCode::kDataLoss);
    absl::StatusOr<std::unique_ptr<FileWitness>> opened = FileWitness::Open(dir.path());
    if (c.newest_sees_it) {
      EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss);
      EXPECT_THAT(opened.status().message(), HasSubstr(LogPath(dir.path())));
    } else {
      ASSERT_TRUE(opened.ok()) << opened.status();
      EXPECT_THAT(*(*opened)->Newest(), Optional(Head(5)));
    }
    EXPECT_EQ(ReadFile(LogPath(dir.path())), damaged);  // Nothing buried, nothing cut.
  }
}

// Runs `child` in a forked process and returns its exit status (the child
// reports failures on stderr and by exit code: gtest is not usable there).
int RunInChild(const std::function<int()>& child) {
  const pid_t pid = fork();
  if (pid == 0) _exit(child());
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

// Whether a witness in `dir`, in a process whose files may not grow past
// `limit` bytes, answers Record(head) with UNAVAILABLE naming the file and
// the error. 0 if so.
int RecordPastFileSizeLimit(const std::string& dir, const SignedTreeHead& head, rlim_t limit) {
  signal(SIGXFSZ, SIG_IGN);  // Else the write kills us; ignored, it fails with EFBIG.
  struct rlimit rl;
  getrlimit(RLIMIT_FSIZE, &rl);
  rl.rlim_cur = limit;
  if (setrlimit(RLIMIT_FSIZE, &rl) != 0) return 10;
  absl::StatusOr<std::unique_ptr<FileWitness>> witness = FileWitness::Open(dir);
  if (!witness.ok()) {
    fprintf(stderr, "open: %s\n", witness.status().ToString().c_str());
    return 11;
  }
  const absl::Status s = (*witness)->Record(head);
  fprintf(stderr, "record: %s\n", s.ToString().c_str());
  if (s.code() != absl::StatusCode::kUnavailable) return 12;
  if (!absl::StrContains(s.message(), LogPath(dir))) return 13;
  if (!absl::StrContains(s.message(), std::strerror(EFBIG))) return 14;
  // Still readable, still at the last whole record.
  absl::StatusOr<std::optional<SignedTreeHead>> newest = (*witness)->Newest();
  if (!newest.ok() || !newest->has_value() || (*newest)->tree_size != head.tree_size - 1) {
    return 15;
  }
  return 0;
}

TEST(FileWitnessTest, AFullDiskLeavesTheFileAsItWas) {
  // RLIMIT_FSIZE in a child stands for a full disk (EFBIG rather than
  // ENOSPC, the same path): no root, no mounts. With no room at all, and
  // with room for part of the record (a short write, then the error).
  for (rlim_t headroom : {0, 1, 100}) {
    SCOPED_TRACE(absl::StrCat("headroom ", headroom));
    TempDir dir;
    {
      std::unique_ptr<FileWitness> witness = OpenWitness(dir.path());
      for (int i = 1; i <= 3; ++i) ASSERT_TRUE(witness->Record(Head(i)).ok());
    }
    const std::string before = ReadFile(LogPath(dir.path()));
    const int status = RunInChild([&] {
      return RecordPastFileSizeLimit(dir.path(), Head(4), before.size() + headroom);
    });
    ASSERT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 0);
    EXPECT_EQ(ReadFile(LogPath(dir.path())), before);
    // Room again: the next append follows the last whole record.
    std::unique_ptr<FileWitness> witness = OpenWitness(dir.path());
    ASSERT_TRUE(witness->Record(Head(4)).ok());
    absl::StatusOr<std::vector<SignedTreeHead>> all = FileWitness::ReadAll(dir.path());
    ASSERT_TRUE(all.ok()) << all.status();
    EXPECT_THAT(*all, SizeIs(4));
  }
}

TEST(FileWitnessTest, KillNineLeavesWholeRecords) {
  // A child appends heads 1, 2, 3, ... until it is killed at a random
  // moment; what is left must read back as heads 1..n, every one whole, and
  // a new witness must carry on from n. Several rounds, the next child
  // carrying on from where the last was killed.
  TempDir dir;
  const unsigned seed = std::random_device()();
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  std::mt19937 random(seed);
  int64_t recorded = 0;
  for (int round = 0; round < 6; ++round) {
    std::error_code ec;
    const uintmax_t size_before = fs::exists(LogPath(dir.path()), ec)
                                      ? fs::file_size(LogPath(dir.path()), ec)
                                      : 0;
    const pid_t pid = fork();
    if (pid == 0) {
      absl::StatusOr<std::unique_ptr<FileWitness>> witness = FileWitness::Open(dir.path());
      if (!witness.ok()) _exit(1);
      absl::StatusOr<std::optional<SignedTreeHead>> newest = (*witness)->Newest();
      if (!newest.ok()) _exit(2);
      for (int64_t i = newest->has_value() ? (*newest)->tree_size + 1 : 1;; ++i) {
        if (!(*witness)->Record(Head(i)).ok()) _exit(3);
      }
    }
    ASSERT_GT(pid, 0);
    // Wait for the child to have appended at least two whole records (it
    // writes from the end of the last whole one, at most a torn record
    // before the end), then kill it somewhere within the next appends: a
    // record can be torn (a write is cut short between pages by SIGKILL).
    auto grown = [&] {
      std::error_code ec;
      const auto size = fs::file_size(LogPath(dir.path()), ec);
      return !ec && size >= size_before + 2 * FileWitness::kMaxRecordBytes;
    };
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!grown() && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int>(0, 20000)(random)));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);

    absl::StatusOr<std::vector<SignedTreeHead>> all = FileWitness::ReadAll(dir.path());
    ASSERT_TRUE(all.ok()) << all.status();
    ASSERT_GT(static_cast<int64_t>(all->size()), recorded);
    for (size_t i = 0; i < all->size(); ++i) ASSERT_EQ((*all)[i], Head(i + 1)) << i;
    recorded = static_cast<int64_t>(all->size());
    std::unique_ptr<FileWitness> witness = OpenWitness(dir.path());
    ASSERT_NE(witness, nullptr);
    EXPECT_THAT(*witness->Newest(), Optional(Head(recorded)));
  }
  std::cerr << "kill -9 rounds left " << recorded << " whole records\n";
  // And the last state takes appends.
  std::unique_ptr<FileWitness> witness = OpenWitness(dir.path());
  ASSERT_TRUE(witness->Record(Head(recorded + 1)).ok());
  EXPECT_THAT(*FileWitness::ReadAll(dir.path()), SizeIs(recorded + 1));
}

}  // namespace
}  // namespace casebridge::storage
