#ifndef CASEBRIDGE_STORAGE_EMBEDDED_POSTGRES_H_
#define CASEBRIDGE_STORAGE_EMBEDDED_POSTGRES_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "storage/subprocess.h"

namespace casebridge::storage {

struct EmbeddedPostgresOptions {
  // The cluster goes in <data_dir>/pg, its Unix socket in <data_dir>/sock.
  // Created if missing. Relative paths are taken from the current directory.
  std::string data_dir;
  // The default run keeps fsync on: real data. Tests may turn it off (then
  // also full_page_writes, and initdb --no-sync).
  bool fsync = true;
  // Owner role created by initdb (--username); letters, digits, '_'.
  std::string superuser = "casebridge";
  // PostgreSQL's bin directory. Empty: for an existing cluster the installed
  // /usr/lib/postgresql/<its version>/bin, otherwise the newest one there.
  std::string bin_dir;
};

// A private PostgreSQL cluster run with the system's initdb/pg_ctl, reachable
// only through a Unix socket in a directory only its owner can enter (no TCP;
// local connections are trusted, so the socket directory is the access
// control).
//
// As root: PostgreSQL refuses to run as root, so initdb/pg_ctl run as the
// `postgres` system user and the data directory is chowned to it. If that user
// cannot enter the data directory (a parent such as /root is private), the
// cluster lives in /var/lib/casebridge/clusters/<hash of data_dir>/ instead
// and <data_dir>/pg is a symlink to it.
//
// Socket directory: a Unix socket path is limited to 107 bytes. If
// <base>/sock/.s.PGSQL.5432 would be longer, the socket goes in
// /tmp/casebridge-pg-<hash of the cluster path> (created 0700, and refused if
// it exists but is not ours, so another local user cannot squat on it).
//
// Thread-compatible: one thread at a time per object.
class EmbeddedPostgres {
 public:
  // initdb if the cluster does not exist yet; start it with pg_ctl unless it
  // is already running (then it is reused, and left running by Stop() and
  // the destructor); wait until it accepts connections. Every wait is
  // bounded (30 s for pg_ctl); failures carry the tail of the tool's output
  // and of the server log.
  static absl::StatusOr<std::unique_ptr<EmbeddedPostgres>> Start(
      const EmbeddedPostgresOptions& options);

  ~EmbeddedPostgres();  // Stop() if this object started the server
  EmbeddedPostgres(const EmbeddedPostgres&) = delete;
  EmbeddedPostgres& operator=(const EmbeddedPostgres&) = delete;

  // libpq key=value connection string for `dbname` as the superuser:
  // "host=<socket dir> port=5432 dbname=... user=...", values quoted as
  // libpq requires.
  std::string ConnectionString(absl::string_view dbname = "postgres") const;

  // pg_ctl stop -m fast (escalating to -m immediate if that times out), only
  // if this object started the server; otherwise, and when already stopped,
  // a no-op returning OK.
  absl::Status Stop();

  // For tests: start again after Stop() (reusing the server if something
  // else started it meanwhile). OK if it is running already.
  absl::Status StartAgain();

  // Whether this object started the running server (and so will stop it).
  bool started_by_this() const { return started_by_this_; }
  const std::string& cluster_dir() const { return cluster_dir_; }
  const std::string& socket_dir() const { return socket_dir_; }
  const std::string& log_file() const { return log_file_; }

 private:
  EmbeddedPostgres() = default;

  absl::Status Prepare(const EmbeddedPostgresOptions& options);
  absl::Status EnsureRunning();
  absl::Status InitDb();
  absl::Status WriteConfig();
  absl::Status PgCtlStart();
  absl::Status WaitUntilAccepting(absl::string_view socket_dir);
  absl::StatusOr<SubprocessResult> RunTool(absl::string_view tool,
                                           std::vector<std::string> args,
                                           absl::Duration timeout) const;
  // Runs `fn` while holding an exclusive flock on <base>/lock, so two
  // processes starting the same cluster at once do not race.
  absl::Status WithLock(const std::function<absl::Status()>& fn);
  absl::Status ChownToServerUser(const std::string& path) const;
  std::string LogTail() const;

  EmbeddedPostgresOptions options_;
  std::optional<RunAsUser> run_as_;  // set when we are root
  std::string bin_dir_;
  std::string base_dir_;     // data_dir, or the fallback under /var/lib
  std::string cluster_dir_;  // <base>/pg
  std::string own_socket_dir_;  // where our config puts the socket
  std::string socket_dir_;   // where the running server's socket is
  std::string log_file_;     // <cluster>/log/postgresql.log
  bool started_by_this_ = false;
};

// Quotes a libpq connection-string value ('...' with \ and ' escaped) when
// it needs it.
std::string QuoteConnectionValue(absl::string_view value);

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_EMBEDDED_POSTGRES_H_
