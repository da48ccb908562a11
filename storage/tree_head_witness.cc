#include "storage/tree_head_witness.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "domain/status_macros.h"
#include "spdlog/spdlog.h"
#include "storage/crypto.h"

namespace casebridge::storage {
namespace {

// How much of the end of the file ReadTail reads: room for a torn record,
// the last valid record and the newline before it, many times over.
constexpr int64_t kTailWindow = 4096;
static_assert(kTailWindow > 2 * FileWitness::kMaxRecordBytes + 1);

constexpr int kChecksumBytes = 8;

std::string Checksum(absl::string_view encoded) {
  return absl::BytesToHexString(Sha256(encoded).substr(0, kChecksumBytes));
}

std::string RecordLine(const SignedTreeHead& head) {
  const std::string encoded = EncodeTreeHead(head);
  return absl::StrCat(encoded, " ", Checksum(encoded), "\n");
}

// The head a record line (without its newline) holds, if it is a whole,
// valid record.
std::optional<SignedTreeHead> ParseRecord(absl::string_view line) {
  if (line.size() + 1 > static_cast<size_t>(FileWitness::kMaxRecordBytes)) return std::nullopt;
  const size_t space = line.rfind(' ');
  if (space == absl::string_view::npos) return std::nullopt;
  const absl::string_view encoded = line.substr(0, space);
  if (line.substr(space + 1) != Checksum(encoded)) return std::nullopt;
  absl::StatusOr<SignedTreeHead> head = DecodeTreeHead(encoded);
  if (!head.ok()) return std::nullopt;
  return *std::move(head);
}

// Whether `tail`, the bytes after the last valid record, can be what a
// crash in the middle of one append leaves: part of one record (no newline),
// or one record's length of stale or zero bytes (perhaps ending in the
// record's newline). Anything more is damage from elsewhere.
bool IsTornRecord(absl::string_view tail) {
  if (tail.size() > static_cast<size_t>(FileWitness::kMaxRecordBytes)) return false;
  const size_t newline = tail.find('\n');
  return newline == absl::string_view::npos || newline == tail.size() - 1;
}

absl::Status ErrnoUnavailable(absl::string_view what, const std::string& path, int error) {
  return absl::UnavailableError(absl::StrCat(what, " ", path, ": ", std::strerror(error)));
}

absl::Status FsyncDirectory(const std::string& dir) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoUnavailable("cannot open directory", dir, errno);
  const int result = fsync(fd);
  const int error = errno;
  close(fd);
  if (result != 0) return ErrnoUnavailable("cannot fsync directory", dir, error);
  return absl::OkStatus();
}

absl::Status PreadFully(int fd, int64_t offset, size_t length, const std::string& path,
                        std::string* out) {
  out->assign(length, '\0');
  size_t done = 0;
  while (done < length) {
    const ssize_t n = pread(fd, out->data() + done, length - done,
                            static_cast<off_t>(offset + static_cast<int64_t>(done)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoUnavailable("cannot read", path, errno);
    if (n == 0) break;  // Shorter than fstat said: someone cut it meanwhile.
    done += static_cast<size_t>(n);
  }
  out->resize(done);
  return absl::OkStatus();
}

std::string Summary(const SignedTreeHead& head) {
  return absl::StrCat("size ", head.tree_size, ", root ", absl::Base64Escape(head.root_hash),
                      ", time ", absl::FormatTime(head.time, absl::UTCTimeZone()), ", key ",
                      head.key_id);
}

// A head EncodeTreeHead can carry and DecodeTreeHead give back; any other
// would be kept as a record that can never be read.
absl::Status CheckRecordable(const SignedTreeHead& head) {
  absl::StatusOr<SignedTreeHead> back = DecodeTreeHead(EncodeTreeHead(head));
  if (!back.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot witness a malformed tree head: ", back.status().message()));
  }
  if (*back != head) {
    // Only the time can differ: finer than a microsecond.
    return absl::InvalidArgumentError(
        "cannot witness a tree head whose time is not in whole microseconds");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckWitnessAppend(const std::optional<SignedTreeHead>& newest,
                                const SignedTreeHead& head, absl::string_view where,
                                bool* duplicate) {
  *duplicate = false;
  if (!newest.has_value()) return absl::OkStatus();
  if (head == *newest) {
    *duplicate = true;
    return absl::OkStatus();
  }
  if (head.tree_size < newest->tree_size) {
    return absl::FailedPreconditionError(absl::StrCat(
        where, " has a tree head of ", Summary(*newest), "; refusing an older one (",
        Summary(head), "): a witness never goes backwards. Was the audit log rolled back?"));
  }
  if (head.tree_size == newest->tree_size && head.root_hash != newest->root_hash) {
    return absl::FailedPreconditionError(absl::StrCat(
        where, " has a tree head of ", Summary(*newest), "; refusing another root for that size (",
        Summary(head), "): the audit log was rewritten"));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------- FileWitness

FileWitness::FileWitness(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

FileWitness::~FileWitness() { close(fd_); }  // Also lets go of the flock.

std::string FileWitness::Describe() const { return absl::StrCat("file witness ", path_); }

absl::StatusOr<std::unique_ptr<FileWitness>> FileWitness::Open(const std::string& dir) {
  if (mkdir(dir.c_str(), 0755) == 0) {
    std::string parent = std::filesystem::path(dir).parent_path().string();
    if (parent.empty()) parent = ".";
    CB_RETURN_IF_ERROR(FsyncDirectory(parent));
  } else if (errno != EEXIST) {
    return ErrnoUnavailable("cannot create tree head witness directory", dir, errno);
  }
  const std::string path = absl::StrCat(dir, "/", kFileName);
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  const bool created = fd >= 0;
  if (!created && errno == EEXIST) fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return ErrnoUnavailable("cannot open tree head witness file", path, errno);
  // Owns fd from here.
  std::unique_ptr<FileWitness> witness(new FileWitness(path, fd));
  struct stat st;
  if (fstat(fd, &st) != 0) return ErrnoUnavailable("cannot stat", path, errno);
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("tree head witness file ", path, " is not a regular file"));
  }
  // Two appenders would each cut away what they took for the other's torn
  // record.
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return absl::FailedPreconditionError(absl::StrCat(
          "tree head witness file ", path,
          " is in use by another process: each server needs a witness file of its own"));
    }
    return ErrnoUnavailable("cannot lock", path, errno);
  }
  if (created) {
    // So that the file, and with it every record fdatasync makes durable,
    // is there after a crash.
    if (fsync(fd) != 0) return ErrnoUnavailable("cannot fsync", path, errno);
    CB_RETURN_IF_ERROR(FsyncDirectory(dir));
  }
  {
    absl::MutexLock lock(&witness->mu_);
    CB_ASSIGN_OR_RETURN(const Tail tail, witness->ReadTail());
    if (tail.file_size > tail.valid_end) {
      spdlog::warn(
          "tree head witness {}: {} bytes at offset {} are a torn record (an append was "
          "interrupted); ignored, and cut away before the next append",
          path, tail.file_size - tail.valid_end, tail.valid_end);
    }
  }
  return witness;
}

absl::StatusOr<FileWitness::Tail> FileWitness::ReadTail() {
  struct stat st;
  if (fstat(fd_, &st) != 0) return ErrnoUnavailable("cannot stat", path_, errno);
  Tail tail;
  const int64_t size = st.st_size;
  if (size == 0) return tail;
  const int64_t base = std::max<int64_t>(0, size - kTailWindow);
  std::string buffer;
  CB_RETURN_IF_ERROR(PreadFully(fd_, base, static_cast<size_t>(size - base), path_, &buffer));
  tail.file_size = base + static_cast<int64_t>(buffer.size());
  const absl::string_view window = buffer;
  // The last valid record is the last line or the one before it (after
  // which comes one torn record ending in a newline); look no further.
  size_t search_end = window.size();
  for (int candidate = 0; candidate < 2 && search_end > 0; ++candidate) {
    const size_t newline = window.rfind('\n', search_end - 1);
    if (newline == absl::string_view::npos) break;
    const size_t previous =
        newline == 0 ? absl::string_view::npos : window.rfind('\n', newline - 1);
    const size_t start = previous == absl::string_view::npos ? 0 : previous + 1;
    // A line starting at the window's edge may have begun before it: then it
    // is too long to be a record anyway.
    const bool whole_line = start > 0 || base == 0;
    std::optional<SignedTreeHead> head =
        whole_line ? ParseRecord(window.substr(start, newline - start)) : std::nullopt;
    if (head.has_value()) {
      const absl::string_view after = window.substr(newline + 1);
      if (!IsTornRecord(after)) break;
      tail.newest = std::move(head);
      tail.valid_end = base + static_cast<int64_t>(newline) + 1;
      return tail;
    }
    search_end = start;
  }
  if (base == 0 && IsTornRecord(window)) return tail;  // Only a torn first record.
  return absl::DataLossError(absl::StrCat(
      "tree head witness file ", path_, " (", tail.file_size,
      " bytes) does not end in valid records followed by at most one torn record: it was "
      "damaged or written by something else. Appending would bury the damage, so this witness "
      "refuses to until someone has looked (FileWitness::ReadAll names the first bad record)"));
}

absl::Status FileWitness::Record(const SignedTreeHead& head) {
  CB_RETURN_IF_ERROR(CheckRecordable(head));
  absl::MutexLock lock(&mu_);
  CB_ASSIGN_OR_RETURN(const Tail tail, ReadTail());
  bool duplicate = false;
  CB_RETURN_IF_ERROR(CheckWitnessAppend(tail.newest, head, Describe(), &duplicate));
  if (duplicate) return absl::OkStatus();
  if (tail.file_size > tail.valid_end) {
    spdlog::warn("tree head witness {}: cutting away a torn record ({} bytes at offset {})",
                 path_, tail.file_size - tail.valid_end, tail.valid_end);
    if (ftruncate(fd_, tail.valid_end) != 0 || fdatasync(fd_) != 0) {
      return ErrnoUnavailable("cannot cut a torn record from", path_, errno);
    }
  }
  const std::string line = RecordLine(head);
  size_t done = 0;
  int error = 0;
  while (done < line.size()) {
    const ssize_t n = pwrite(fd_, line.data() + done, line.size() - done,
                             static_cast<off_t>(tail.valid_end + static_cast<int64_t>(done)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = errno;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (error == 0 && fdatasync(fd_) != 0) error = errno;
  if (error == 0) return absl::OkStatus();
  // Leave the file as it was, so that the next append, once there is room
  // (or the disk is back), follows the last whole record. If even this
  // fails, the part written is a torn record the next Record cuts away.
  std::string also;
  if (ftruncate(fd_, tail.valid_end) != 0) {
    also = absl::StrCat(" (and cannot cut it back: ", std::strerror(errno), ")");
  } else {
    fdatasync(fd_);
  }
  return absl::UnavailableError(absl::StrCat("cannot append a tree head to ", path_, ": ",
                                             std::strerror(error), also));
}

absl::StatusOr<std::optional<SignedTreeHead>> FileWitness::Newest() {
  absl::MutexLock lock(&mu_);
  CB_ASSIGN_OR_RETURN(Tail tail, ReadTail());
  return std::move(tail.newest);
}

absl::StatusOr<std::vector<SignedTreeHead>> FileWitness::ReadAll(const std::string& dir) {
  const std::string path = absl::StrCat(dir, "/", kFileName);
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat("no tree head witness file ", path));
    }
    return ErrnoUnavailable("cannot open", path, errno);
  }
  struct stat st;
  std::string content;
  absl::Status read = fstat(fd, &st) != 0
                          ? ErrnoUnavailable("cannot stat", path, errno)
                          : PreadFully(fd, 0, static_cast<size_t>(st.st_size), path, &content);
  close(fd);
  CB_RETURN_IF_ERROR(read);
  std::vector<SignedTreeHead> heads;
  const absl::string_view all = content;
  size_t position = 0;
  int line_number = 0;
  while (position < all.size()) {
    ++line_number;
    const size_t newline = all.find('\n', position);
    std::optional<SignedTreeHead> head =
        newline == absl::string_view::npos
            ? std::nullopt
            : ParseRecord(all.substr(position, newline - position));
    if (!head.has_value()) {
      if (IsTornRecord(all.substr(position))) break;
      return absl::DataLossError(absl::StrCat("tree head witness file ", path, ": line ",
                                              line_number, " (offset ", position,
                                              ") is not a valid record"));
    }
    heads.push_back(*std::move(head));
    position = newline + 1;
  }
  return heads;
}

// -------------------------------------------------------------- MemoryWitness

absl::Status MemoryWitness::Record(const SignedTreeHead& head) {
  CB_RETURN_IF_ERROR(CheckRecordable(head));
  absl::MutexLock lock(&mu_);
  if (!failure_.ok()) return failure_;
  std::optional<SignedTreeHead> newest;
  if (!heads_.empty()) newest = heads_.back();
  bool duplicate = false;
  CB_RETURN_IF_ERROR(CheckWitnessAppend(newest, head, Describe(), &duplicate));
  if (!duplicate) heads_.push_back(head);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<SignedTreeHead>> MemoryWitness::Newest() {
  absl::MutexLock lock(&mu_);
  if (heads_.empty()) return std::nullopt;
  return heads_.back();
}

std::string MemoryWitness::Describe() const { return "memory witness"; }

std::vector<SignedTreeHead> MemoryWitness::Heads() const {
  absl::MutexLock lock(&mu_);
  return heads_;
}

void MemoryWitness::SetFailure(absl::Status status) {
  absl::MutexLock lock(&mu_);
  failure_ = std::move(status);
}

}  // namespace casebridge::storage
