#ifndef CASEBRIDGE_STORAGE_TREE_HEAD_WITNESS_H_
#define CASEBRIDGE_STORAGE_TREE_HEAD_WITNESS_H_

// Witnesses of the audit log's signed tree heads, kept outside the database:
// whoever can rewrite the database cannot also rewrite what the witnesses
// saw, so a rewritten or rolled-back log no longer matches its heads.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "storage/audit_keys.h"

namespace casebridge::storage {

// Somewhere signed tree heads are kept, in the order given. A witness keeps
// what it is given without checking signatures (it holds no keys; an auditor
// checks them with the public keys), but it never goes backwards.
// Implementations are thread-safe.
class TreeHeadWitness {
 public:
  virtual ~TreeHeadWitness() = default;

  // Keeps `head`, durably before OK. INVALID_ARGUMENT for a head that
  // EncodeTreeHead cannot carry (DecodeTreeHead would not give it back: a
  // root or signature of the wrong length, a key id that is not 32 hex
  // digits, a negative size), which could never be read back. Refuses (FAILED_PRECONDITION, naming
  // both heads) a head that would take the witness backwards: a smaller
  // tree size than the newest kept, or the same size with another root (the
  // log was rolled back or rewritten; either way someone must look). An
  // identical head is OK and not kept twice; the same size and root with
  // another time or signature (a head re-signed later) is kept. UNAVAILABLE
  // when the witness cannot keep it now (the caller may retry), and then
  // nothing of it is kept.
  virtual absl::Status Record(const SignedTreeHead& head) = 0;

  // The newest head kept, or nullopt when none is.
  virtual absl::StatusOr<std::optional<SignedTreeHead>> Newest() = 0;

  // Names the witness for messages and logs ("file /var/lib/.../tree-heads.log").
  virtual std::string Describe() const = 0;
};

// A witness in a directory: the append-only file tree-heads.log, one record
// a line,
//   EncodeTreeHead(head) " " <first 8 bytes of SHA-256 of it, 16 hex digits> "\n"
// Every append is one write of the whole record then fdatasync, so a
// process killed or a machine crashing mid-append leaves at most one torn
// record at the end (a prefix of the record, or as long as it with stale or
// zero bytes): it fails its checksum or lacks its newline, reads as absent,
// and is cut away (with a warning) before the next append. A bad record
// anywhere else, or bad bytes at the end longer than one record, are not
// what a crash leaves: DATA_LOSS, and the witness refuses to append until
// someone has looked (appending would bury the damage).
//
// One process at a time: Open takes an exclusive flock on the file.
class FileWitness : public TreeHeadWitness {
 public:
  static constexpr char kFileName[] = "tree-heads.log";
  // At least as long as any record (at most 228 bytes): the most a torn
  // record can be.
  static constexpr int kMaxRecordBytes = 256;

  // Opens `dir`/tree-heads.log, first creating what is missing: the
  // directory (mode 0755; its parent must exist) and the file (0644, fsynced
  // with its directory, so a witness that said OK survives a crash). Reads
  // the end of the file to check it (DATA_LOSS as above); warns of a torn
  // record. FAILED_PRECONDITION when another process has the file open as a
  // witness; UNAVAILABLE (naming the path and the error) when it cannot be
  // created, opened or read.
  static absl::StatusOr<std::unique_ptr<FileWitness>> Open(const std::string& dir);

  ~FileWitness() override;
  FileWitness(const FileWitness&) = delete;
  FileWitness& operator=(const FileWitness&) = delete;

  // As TreeHeadWitness::Record. Before appending, reads the end of the file
  // (so the comparison is with what is on disk) and cuts a torn record away.
  // An append that fails (ENOSPC, EFBIG, EIO, ...) is UNAVAILABLE naming
  // the file and the error, and the file is cut back to its length before
  // the append, so a later Record (once there is space) appends cleanly;
  // if even that fails, the next Record cuts the torn record away.
  absl::Status Record(const SignedTreeHead& head) override;

  // The last valid record, read from the end of the file (not the whole
  // file): DATA_LOSS as above, UNAVAILABLE when it cannot be read.
  absl::StatusOr<std::optional<SignedTreeHead>> Newest() override;

  std::string Describe() const override;

  // Every head in `dir`/tree-heads.log, oldest first, reading the whole
  // file (for an auditor; a witness in use needs only Newest). A torn final
  // record is left out; a bad record before it is DATA_LOSS naming its line.
  // Does not take the lock: a concurrent append is either seen or torn.
  static absl::StatusOr<std::vector<SignedTreeHead>> ReadAll(const std::string& dir);

 private:
  // What the end of the file holds.
  struct Tail {
    std::optional<SignedTreeHead> newest;
    int64_t valid_end = 0;  // Where the last valid record ends.
    int64_t file_size = 0;  // Larger than valid_end when a torn record follows.
  };

  FileWitness(std::string path, int fd);
  absl::StatusOr<Tail> ReadTail() ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const std::string path_;
  const int fd_;
  absl::Mutex mu_;
};

// A witness in memory, for tests: the rules of Record, nothing durable.
class MemoryWitness : public TreeHeadWitness {
 public:
  absl::Status Record(const SignedTreeHead& head) override;
  absl::StatusOr<std::optional<SignedTreeHead>> Newest() override;
  std::string Describe() const override;

  // Every head kept, oldest first.
  std::vector<SignedTreeHead> Heads() const;
  // While not OK, Record returns `status` and keeps nothing (a witness that
  // is down); OkStatus() ends it.
  void SetFailure(absl::Status status);

 private:
  mutable absl::Mutex mu_;
  std::vector<SignedTreeHead> heads_ ABSL_GUARDED_BY(mu_);
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
};

// The rule every witness applies: OK when `head` may follow `newest` (the
// newest head kept, if any), with `*duplicate` set when it is `newest`
// itself (nothing to keep); FAILED_PRECONDITION when it would take the
// witness backwards (see TreeHeadWitness::Record). `where` names the
// witness in the message.
absl::Status CheckWitnessAppend(const std::optional<SignedTreeHead>& newest,
                                const SignedTreeHead& head, absl::string_view where,
                                bool* duplicate);

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_TREE_HEAD_WITNESS_H_
