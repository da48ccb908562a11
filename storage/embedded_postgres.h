#ifndef CASEBRIDGE_STORAGE_EMBEDDED_POSTGRES_H_
#define CASEBRIDGE_STORAGE_EMBEDDED_POSTGRES_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "storage/connection_string.h"  // QuoteConnectionValue, for users
#include "storage/subprocess.h"

namespace casebridge::storage {

struct EmbeddedPostgresOptions {
  // The cluster goes in <data_dir>/pg, its Unix socket in <data_dir>/sock,
  // its password file in <data_dir>/pgpass.
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
  // Roles besides the superuser that log in by password: the server's
  // runtime role (DatabaseOptions::runtime_role), which migration 0001 would
  // create without one. Each is created here if missing (LOGIN NOINHERIT:
  // no rights of its own; migrations grant them) and given, at every start,
  // the password kept for it in the password file. Names as for
  // `superuser`.
  std::vector<std::string> login_roles = {"casebridge_app"};
};

// A private PostgreSQL cluster run with the system's initdb/pg_ctl, reachable
// only through a Unix socket in a directory only its owner can enter (no
// TCP), and only with a password.
//
// Passwords: every login (the superuser and each of `login_roles`) uses
// scram-sha-256 (pg_hba.conf: `local all all scram-sha-256`; never trust).
// The passwords are generated here and kept in one libpq password file,
// <data_dir>/pgpass: mode 0600, owned by the user running this process, so
// that when we are root the `postgres` OS user running the cluster cannot
// read it. ConnectionString() names it (passfile=...), so no password is
// ever in a connection string, a process argument or a log line; initdb
// reads the superuser's from a file that exists only while it runs, and
// roles get theirs as SCRAM verifiers computed here. Lose the file and the
// cluster cannot be logged in to: see Start() for the way back.
//
// Upgrade: a cluster made by an earlier version with trust authentication
// (a developer's .casebridge/) is upgraded at start: passwords generated and
// set, pg_hba.conf rewritten, the configuration reloaded; logged once.
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
  // the destructor); wait until it accepts connections; then make sure the
  // passwords are set (upgrading a trust cluster). Every wait is bounded (30
  // s for pg_ctl); failures carry the tail of the tool's output and of the
  // server log. FAILED_PRECONDITION when the superuser cannot log in with
  // the password file (lost or replaced): then restoring it, or putting
  // `local all all trust` in the cluster's pg_hba.conf for one start (which
  // makes new passwords), is the way back.
  static absl::StatusOr<std::unique_ptr<EmbeddedPostgres>> Start(
      const EmbeddedPostgresOptions& options);

  ~EmbeddedPostgres();  // Stop() if this object started the server
  EmbeddedPostgres(const EmbeddedPostgres&) = delete;
  EmbeddedPostgres& operator=(const EmbeddedPostgres&) = delete;

  // libpq key=value connection string for `dbname` as the superuser:
  // "host=<socket dir> port=5432 dbname=... user=... passfile=<pgpass>",
  // values quoted as libpq requires. With user=<a login role> added it logs
  // in as that role.
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
  // The libpq password file, <data_dir>/pgpass.
  const std::string& password_file() const { return password_file_; }

 private:
  EmbeddedPostgres() = default;

  absl::Status Prepare(const EmbeddedPostgresOptions& options);
  absl::Status EnsureRunning();
  absl::Status StartOrReuse();
  // Every login role has its password; a trust cluster is upgraded.
  absl::Status SecureLogins();
  // role -> password from the password file, generating (and saving) those
  // missing for the superuser and the login roles.
  absl::StatusOr<std::map<std::string, std::string>> LoadOrMakePasswords();
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
  std::string password_file_;  // <data_dir>/pgpass
  bool started_by_this_ = false;
};

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_EMBEDDED_POSTGRES_H_
