#include "storage/embedded_postgres.h"

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/substitute.h"
#include "absl/time/clock.h"
#include "spdlog/spdlog.h"
#include "storage/crypto.h"

namespace casebridge::storage {
namespace {

namespace fs = std::filesystem;

// The server listens on no TCP port; the port only names the socket file.
constexpr int kPort = 5432;
constexpr absl::string_view kSocketFileName = "/.s.PGSQL.5432";
// sizeof(sockaddr_un::sun_path) is 108 on Linux, including the NUL.
constexpr size_t kMaxSocketPath = 107;
constexpr char kServerUser[] = "postgres";
constexpr absl::string_view kDebianPostgresRoot = "/usr/lib/postgresql";
constexpr absl::string_view kFallbackClusterRoot = "/var/lib/casebridge";
constexpr absl::Duration kPgCtlWait = absl::Seconds(30);
// Our own bound on each tool run: pg_ctl's -t plus slack.
constexpr absl::Duration kToolTimeout = absl::Seconds(60);
constexpr absl::Duration kInitDbTimeout = absl::Seconds(180);
constexpr absl::Duration kLockWait = absl::Seconds(120);
constexpr char kConfigFile[] = "casebridge.conf";
// Only the private socket, nothing over TCP even if someone enables it, and
// only with a password.
constexpr char kHbaConf[] =
    "# Written by casebridge. Connections only through the Unix socket,\n"
    "# whose directory only the server's user can enter, and only with a\n"
    "# password (in the file pgpass of casebridge-server's data directory).\n"
    "local all all scram-sha-256\n";
constexpr char kPasswordFileHeader[] =
    "# Written by casebridge: the passwords of the embedded PostgreSQL\n"
    "# (libpq password file). Keep it private (mode 0600).\n";
constexpr char kIncludeLine[] = "include 'casebridge.conf'";

// FNV-1a: a stable hash (std::hash may change between builds) for naming
// directories derived from a path.
std::string StableHash(absl::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return absl::StrFormat("%016x", h);
}

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  return absl::InternalError(
      absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

// pg_ctl runs the server through `/bin/sh -c` with -D and -l in double
// quotes, so characters the shell expands inside double quotes would be
// interpreted. We refuse them instead of trying to escape for pg_ctl.
absl::Status CheckPathChars(absl::string_view path) {
  for (char c : path) {
    if (c == '"' || c == '$' || c == '`' || c == '\\' ||
        static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(absl::StrCat(
          "data directory '", path,
          "' contains a character not allowed here (\" $ ` \\ or a control "
          "character); choose another path"));
    }
  }
  return absl::OkStatus();
}

// `what`: "superuser" or "login role", for the message.
absl::Status CheckRoleName(absl::string_view name, absl::string_view what) {
  if (name.empty() || name.size() > 63 ||
      !(absl::ascii_isalpha(name[0]) || name[0] == '_')) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " '", name,
                     "' must start with a letter or '_' and be at most 63 "
                     "characters"));
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '_') {
      return absl::InvalidArgumentError(absl::StrCat(
          what, " '", name, "' may contain only letters, digits and '_'"));
    }
  }
  return absl::OkStatus();
}

std::optional<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool IsExecutable(const std::string& path) {
  return access(path.c_str(), X_OK) == 0;
}

// The newest /usr/lib/postgresql/<major>/bin with initdb and pg_ctl.
absl::StatusOr<std::string> NewestBinDir() {
  int best = -1;
  std::error_code ec;
  for (const fs::directory_entry& e :
       fs::directory_iterator(std::string(kDebianPostgresRoot), ec)) {
    int major = 0;
    if (!absl::SimpleAtoi(e.path().filename().string(), &major)) continue;
    std::string bin = (e.path() / "bin").string();
    if (major > best && IsExecutable(bin + "/initdb") &&
        IsExecutable(bin + "/pg_ctl")) {
      best = major;
    }
  }
  if (best < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no PostgreSQL server found under ", kDebianPostgresRoot,
        "/*/bin (install the Debian package 'postgresql')"));
  }
  return absl::StrCat(kDebianPostgresRoot, "/", best, "/bin");
}

// Writes `contents` to `path` atomically (temp file + rename), mode 0600,
// owned by `owner` if given. The temporary file is made new (O_EXCL,
// O_NOFOLLOW, after removing a stale one): as root we write into directories
// the server user owns, where it could have put a link at that name.
absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view contents,
                                 const std::optional<RunAsUser>& owner) {
  std::string tmp = path + ".tmp";
  if (unlink(tmp.c_str()) != 0 && errno != ENOENT) {
    return ErrnoError("cannot remove stale", tmp);
  }
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError("cannot create", tmp);
  absl::Cleanup close_fd = [fd] { close(fd); };
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = write(fd, contents.data() + done, contents.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot write", tmp);
    }
    done += static_cast<size_t>(n);
  }
  if (fchmod(fd, 0600) != 0) return ErrnoError("cannot chmod", tmp);
  if (owner.has_value() && fchown(fd, owner->uid, owner->gid) != 0) {
    return ErrnoError("cannot chown", tmp);
  }
  if (fsync(fd) != 0) return ErrnoError("cannot fsync", tmp);
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    return ErrnoError("cannot rename to", path);
  }
  return absl::OkStatus();
}

// A configuration string value in single quotes.
std::string ConfigString(absl::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

// What postmaster.pid says about a server, if the file exists.
struct PidFile {
  pid_t pid = 0;
  std::string socket_dir;  // line 5
};

std::optional<PidFile> ReadPidFile(const std::string& cluster_dir) {
  std::optional<std::string> text = ReadSmallFile(cluster_dir + "/postmaster.pid");
  if (!text.has_value()) return std::nullopt;
  std::vector<std::string> lines = absl::StrSplit(*text, '\n');
  PidFile out;
  int pid = 0;
  if (!lines.empty() && absl::SimpleAtoi(lines[0], &pid)) out.pid = pid;
  if (lines.size() > 4) out.socket_dir = lines[4];
  return out;
}

// Whether `pid` is a live PostgreSQL server whose data directory is
// `cluster_dir`. After a crash and a reboot (or a container restart) the pid
// in a stale postmaster.pid may belong to an unrelated process, which
// PostgreSQL would take for a running server and refuse to start.
bool IsLivePostmaster(pid_t pid, const std::string& cluster_dir) {
  if (pid <= 0) return false;
  if (kill(pid, 0) != 0 && errno == ESRCH) return false;
  // A zombie (dead, not yet reaped by an init that does not reap) is dead.
  std::optional<std::string> stat =
      ReadSmallFile(absl::StrCat("/proc/", pid, "/stat"));
  if (stat.has_value()) {
    size_t paren = stat->rfind(')');
    if (paren != std::string::npos && paren + 2 < stat->size() &&
        (*stat)[paren + 2] == 'Z') {
      return false;
    }
  }
  std::optional<std::string> comm =
      ReadSmallFile(absl::StrCat("/proc/", pid, "/comm"));
  if (!comm.has_value() ||
      absl::StripTrailingAsciiWhitespace(*comm) != "postgres") {
    return false;
  }
  // The postmaster's working directory is its data directory. Readable
  // only by its owner or root; if unreadable, trust the name check.
  std::error_code ec;
  fs::path cwd = fs::read_symlink(absl::StrCat("/proc/", pid, "/cwd"), ec);
  if (!ec) {
    fs::path ours = fs::weakly_canonical(cluster_dir, ec);
    if (!ec && cwd != ours) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<EmbeddedPostgres>> EmbeddedPostgres::Start(
    const EmbeddedPostgresOptions& options) {
  std::unique_ptr<EmbeddedPostgres> pg(new EmbeddedPostgres());
  absl::Status status = pg->Prepare(options);
  if (!status.ok()) return status;
  status = pg->WithLock([&] { return pg->EnsureRunning(); });
  if (!status.ok()) return status;
  return pg;
}

EmbeddedPostgres::~EmbeddedPostgres() {
  absl::Status status = Stop();
  if (!status.ok()) {
    spdlog::error("stopping embedded PostgreSQL in {}: {}", cluster_dir_,
                  status.ToString());
  }
}

absl::Status EmbeddedPostgres::Prepare(const EmbeddedPostgresOptions& options) {
  options_ = options;
  if (options.data_dir.empty()) {
    return absl::InvalidArgumentError("data directory must not be empty");
  }
  if (absl::Status s = CheckRoleName(options.superuser, "superuser"); !s.ok()) {
    return s;
  }
  for (const std::string& role : options.login_roles) {
    if (absl::Status s = CheckRoleName(role, "login role"); !s.ok()) return s;
  }

  std::error_code ec;
  fs::path data_dir = fs::absolute(options.data_dir, ec).lexically_normal();
  if (ec) {
    return absl::InvalidArgumentError(absl::StrCat(
        "data directory '", options.data_dir, "': ", ec.message()));
  }
  std::string data = data_dir.string();
  while (data.size() > 1 && data.back() == '/') data.pop_back();
  if (absl::Status s = CheckPathChars(data); !s.ok()) return s;

  if (geteuid() == 0) {
    absl::StatusOr<RunAsUser> user = LookUpUser(kServerUser);
    if (!user.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "running as root, so PostgreSQL must run as the '", kServerUser,
          "' system user, which does not exist (install the Debian package "
          "'postgresql', which creates it)"));
    }
    run_as_ = *user;
  }

  // The data directory: created if missing, and then (like an empty one)
  // ours to hand to the server user.
  bool exists = fs::exists(fs::symlink_status(data_dir, ec));
  if (exists && !fs::is_directory(data_dir, ec)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "data directory ", data, " exists but is not a directory"));
  }
  bool ours = !exists;
  if (!exists) {
    fs::create_directories(data_dir, ec);
    if (ec) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot create data directory ", data, ": ", ec.message()));
    }
  } else {
    ours = fs::is_empty(data_dir, ec) && !ec;
  }
  if (ours) {
    if (chmod(data.c_str(), 0700) != 0) return ErrnoError("cannot chmod", data);
    if (absl::Status s = ChownToServerUser(data); !s.ok()) return s;
  }

  // Where the cluster lives: <data_dir>/pg, or where that symlink points,
  // or (root only) a place the server user can reach.
  fs::path pg_link = data_dir / "pg";
  if (fs::is_symlink(fs::symlink_status(pg_link, ec))) {
    fs::path target = fs::canonical(pg_link, ec);
    if (ec) {
      return absl::FailedPreconditionError(absl::StrCat(
          pg_link.string(), " is a symlink to a missing directory (",
          fs::read_symlink(pg_link, ec).string(), ")"));
    }
    cluster_dir_ = target.string();
    base_dir_ = target.parent_path().string();
  } else if (!run_as_.has_value() || UserCanEnter(*run_as_, data)) {
    base_dir_ = data;
    cluster_dir_ = base_dir_ + "/pg";
  } else {
    base_dir_ = absl::StrCat(kFallbackClusterRoot, "/clusters/", StableHash(data));
    cluster_dir_ = base_dir_ + "/pg";
    spdlog::warn(
        "the '{}' user cannot enter {} (a parent directory is private); the "
        "PostgreSQL cluster lives in {} instead, linked from {}",
        kServerUser, data, cluster_dir_, pg_link.string());
    fs::create_directories(base_dir_, ec);
    if (ec) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot create ", base_dir_, ": ", ec.message()));
    }
    chmod(std::string(kFallbackClusterRoot).c_str(), 0755);
    chmod(absl::StrCat(kFallbackClusterRoot, "/clusters").c_str(), 0755);
    if (chmod(base_dir_.c_str(), 0700) != 0) {
      return ErrnoError("cannot chmod", base_dir_);
    }
    if (absl::Status s = ChownToServerUser(base_dir_); !s.ok()) return s;
    fs::create_directory_symlink(cluster_dir_, pg_link, ec);
    if (ec) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot link ", pg_link.string(), " to ", cluster_dir_, ": ",
          ec.message()));
    }
  }
  if (absl::Status s = CheckPathChars(cluster_dir_); !s.ok()) return s;
  if (run_as_.has_value() && !UserCanEnter(*run_as_, base_dir_)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the '", kServerUser, "' user cannot enter ", base_dir_,
        " (check the permissions of it and its parent directories)"));
  }
  log_file_ = cluster_dir_ + "/log/postgresql.log";
  // In the data directory, not in the cluster: the file is ours, the
  // cluster the server user's.
  password_file_ = data + "/pgpass";

  // Unix socket paths are short; a deep data directory gets a socket
  // directory in /tmp named after the cluster (stable, so a later run finds
  // a server that is still running).
  own_socket_dir_ = base_dir_ + "/sock";
  if (own_socket_dir_.size() + kSocketFileName.size() > kMaxSocketPath) {
    own_socket_dir_ =
        absl::StrCat("/tmp/casebridge-pg-", StableHash(cluster_dir_));
  }
  socket_dir_ = own_socket_dir_;

  // The PostgreSQL binaries: those of the cluster's major version if it
  // exists, else the newest installed.
  if (!options.bin_dir.empty()) {
    bin_dir_ = options.bin_dir;
  } else if (std::optional<std::string> version =
                 ReadSmallFile(cluster_dir_ + "/PG_VERSION");
             version.has_value()) {
    std::string major(absl::StripAsciiWhitespace(*version));
    bin_dir_ = absl::StrCat(kDebianPostgresRoot, "/", major, "/bin");
    if (!IsExecutable(bin_dir_ + "/pg_ctl")) {
      absl::StatusOr<std::string> newest = NewestBinDir();
      return absl::FailedPreconditionError(absl::StrCat(
          "the cluster in ", cluster_dir_, " was created by PostgreSQL ", major,
          ", which is not installed (", newest.ok() ? *newest : "none",
          " is); install postgresql-", major,
          ", upgrade the cluster with pg_upgrade, or use another data "
          "directory"));
    }
  } else {
    absl::StatusOr<std::string> newest = NewestBinDir();
    if (!newest.ok()) return newest.status();
    bin_dir_ = *newest;
  }
  for (const char* tool : {"initdb", "pg_ctl"}) {
    if (!IsExecutable(absl::StrCat(bin_dir_, "/", tool))) {
      return absl::FailedPreconditionError(
          absl::StrCat(tool, " not found in ", bin_dir_));
    }
  }
  return absl::OkStatus();
}

absl::Status EmbeddedPostgres::WithLock(
    const std::function<absl::Status()>& fn) {
  std::string path = base_dir_ + "/pg.lock";
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError("cannot open lock file", path);
  absl::Cleanup close_fd = [fd] { close(fd); };
  absl::Time deadline = absl::Now() + kLockWait;
  while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      return ErrnoError("cannot lock", path);
    }
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "another process has held ", path, " for over ",
          absl::FormatDuration(kLockWait),
          " (starting or stopping the same cluster)"));
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return fn();  // closing the descriptor releases the lock
}

absl::Status EmbeddedPostgres::ChownToServerUser(const std::string& path) const {
  if (!run_as_.has_value()) return absl::OkStatus();
  if (chown(path.c_str(), run_as_->uid, run_as_->gid) != 0) {
    return ErrnoError("cannot chown", path);
  }
  return absl::OkStatus();
}

absl::StatusOr<SubprocessResult> EmbeddedPostgres::RunTool(
    absl::string_view tool, std::vector<std::string> args,
    absl::Duration timeout) const {
  args.insert(args.begin(), absl::StrCat(bin_dir_, "/", tool));
  SubprocessOptions opts;
  opts.run_as = run_as_;
  opts.timeout = timeout;
  return RunSubprocess(args, opts);
}

std::string EmbeddedPostgres::LogTail() const {
  std::optional<std::string> log = ReadSmallFile(log_file_);
  if (!log.has_value() || log->empty()) return "";
  return absl::StrCat("\nserver log ", log_file_, ":\n", LastLines(*log, 15));
}

absl::Status EmbeddedPostgres::EnsureRunning() {
  if (absl::Status s = StartOrReuse(); !s.ok()) return s;
  return SecureLogins();
}

absl::Status EmbeddedPostgres::StartOrReuse() {
  std::error_code ec;
  if (!fs::exists(cluster_dir_ + "/PG_VERSION", ec)) {
    if (fs::exists(cluster_dir_, ec) && !(fs::is_directory(cluster_dir_, ec) &&
                                          fs::is_empty(cluster_dir_, ec))) {
      return absl::FailedPreconditionError(absl::StrCat(
          cluster_dir_,
          " exists but holds no PostgreSQL cluster (no PG_VERSION); move it "
          "away or use another data directory"));
    }
    if (absl::Status s = InitDb(); !s.ok()) return s;
  }

  if (std::optional<PidFile> pid_file = ReadPidFile(cluster_dir_);
      pid_file.has_value()) {
    if (IsLivePostmaster(pid_file->pid, cluster_dir_)) {
      if (pid_file->socket_dir.empty()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "the PostgreSQL server running in ", cluster_dir_, " (pid ",
            pid_file->pid, ") has no Unix socket; stop it and start again"));
      }
      // started_by_this_ stays as it was: false for a server someone else
      // started, true when StartAgain() finds ours still running.
      socket_dir_ = pid_file->socket_dir;
      spdlog::info("reusing the PostgreSQL server already running in {}",
                   cluster_dir_);
      return WaitUntilAccepting(socket_dir_);
    }
    // A dead pid is left to PostgreSQL, which removes such a stale lock
    // itself; a pid now used by another process it would not, so we do.
    if (pid_file->pid > 0 && !(kill(pid_file->pid, 0) != 0 && errno == ESRCH)) {
      spdlog::warn(
          "removing stale {}/postmaster.pid (pid {} is not this cluster's "
          "server)",
          cluster_dir_, pid_file->pid);
      std::string pid_path = cluster_dir_ + "/postmaster.pid";
      if (unlink(pid_path.c_str()) != 0 && errno != ENOENT) {
        return ErrnoError("cannot remove stale", pid_path);
      }
    }
  }

  socket_dir_ = own_socket_dir_;  // not that of a server we reused before
  if (absl::Status s = WriteConfig(); !s.ok()) return s;
  if (absl::Status s = PgCtlStart(); !s.ok()) return s;
  started_by_this_ = true;
  return WaitUntilAccepting(socket_dir_);
}

absl::Status EmbeddedPostgres::InitDb() {
  std::error_code ec;
  fs::create_directories(cluster_dir_, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create ", cluster_dir_, ": ", ec.message()));
  }
  if (chmod(cluster_dir_.c_str(), 0700) != 0) {
    return ErrnoError("cannot chmod", cluster_dir_);
  }
  if (absl::Status s = ChownToServerUser(cluster_dir_); !s.ok()) return s;

  // The superuser's password reaches initdb in a file the server user can
  // read, beside the cluster, removed as soon as initdb is done. The
  // password file (ours) is written first, so the password is never lost.
  absl::StatusOr<std::map<std::string, std::string>> passwords = LoadOrMakePasswords();
  if (!passwords.ok()) return passwords.status();
  const std::string pwfile = base_dir_ + "/initdb-password";
  if (absl::Status s = WriteFileAtomically(
          pwfile, absl::StrCat((*passwords)[options_.superuser], "\n"), run_as_);
      !s.ok()) {
    return s;
  }
  absl::Cleanup remove_pwfile = [&pwfile] { unlink(pwfile.c_str()); };

  std::vector<std::string> args = {
      "-D", cluster_dir_, "-U", options_.superuser,
      "--auth=scram-sha-256", absl::StrCat("--pwfile=", pwfile),
      "--encoding=UTF8",
      // Byte-order collation never changes under a glibc upgrade (no index
      // rebuilds); UTF-8 ctype keeps lower()/ILIKE right for non-ASCII
      // names.
      "--locale=C.UTF-8", "--lc-collate=C", "--lc-messages=C"};
  if (!options_.fsync) args.push_back("--no-sync");
  spdlog::info("creating a PostgreSQL cluster in {}", cluster_dir_);
  absl::StatusOr<SubprocessResult> r =
      RunTool("initdb", std::move(args), kInitDbTimeout);
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    // Leave no half-made cluster behind: the next start would refuse it.
    fs::remove_all(cluster_dir_, ec);
    return absl::InternalError(absl::StrCat("initdb failed (exit ",
                                            r->exit_code, ") for ", cluster_dir_,
                                            ":\n", LastLines(r->output, 20)));
  }

  absl::Status s = WriteFileAtomically(cluster_dir_ + "/pg_hba.conf", kHbaConf, run_as_);
  if (!s.ok()) return s;

  // Our settings live in casebridge.conf, rewritten at every start; the
  // include goes last so they win over postgresql.conf.
  std::string conf_path = cluster_dir_ + "/postgresql.conf";
  std::optional<std::string> conf = ReadSmallFile(conf_path);
  if (!conf.has_value()) {
    return absl::InternalError(absl::StrCat("cannot read ", conf_path));
  }
  if (!absl::StrContains(*conf, kIncludeLine)) {
    absl::StrAppend(&*conf, "\n# casebridge settings (rewritten at start)\n",
                    kIncludeLine, "\n");
    s = WriteFileAtomically(conf_path, *conf, run_as_);
    if (!s.ok()) return s;
  }
  std::string log_dir = cluster_dir_ + "/log";
  fs::create_directories(log_dir, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot create ", log_dir, ": ", ec.message()));
  }
  if (chmod(log_dir.c_str(), 0700) != 0) return ErrnoError("cannot chmod", log_dir);
  return ChownToServerUser(log_dir);
}

absl::Status EmbeddedPostgres::WriteConfig() {
  // The socket directory: private to the server's user. In /tmp (the
  // fallback) it may already exist: only if it is a real directory owned by
  // that user or by us.
  uid_t server_uid = run_as_.has_value() ? run_as_->uid : geteuid();
  if (mkdir(socket_dir_.c_str(), 0700) != 0 && errno != EEXIST) {
    return ErrnoError("cannot create socket directory", socket_dir_);
  }
  struct stat st;
  if (lstat(socket_dir_.c_str(), &st) != 0) {
    return ErrnoError("cannot stat", socket_dir_);
  }
  if (!S_ISDIR(st.st_mode) || (st.st_uid != server_uid && st.st_uid != geteuid())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "socket directory ", socket_dir_,
        " is not a directory owned by us or the server user; remove it"));
  }
  if (chmod(socket_dir_.c_str(), 0700) != 0) {
    return ErrnoError("cannot chmod", socket_dir_);
  }
  if (absl::Status s = ChownToServerUser(socket_dir_); !s.ok()) return s;

  // Log directory (re-created if someone cleaned it).
  std::error_code ec;
  std::string log_dir = cluster_dir_ + "/log";
  if (!fs::exists(log_dir, ec)) {
    fs::create_directories(log_dir, ec);
    if (ec) {
      return absl::InternalError(
          absl::StrCat("cannot create ", log_dir, ": ", ec.message()));
    }
    if (absl::Status s = ChownToServerUser(log_dir); !s.ok()) return s;
  }

  const char* on_off = options_.fsync ? "on" : "off";
  std::string conf = absl::StrCat(
      "# Written by casebridge at every start of the embedded server;\n"
      "# put your own settings in postgresql.conf above the include.\n"
      "listen_addresses = ''\n",
      "port = ", kPort, "\n",
      "unix_socket_directories = ", ConfigString(socket_dir_), "\n",
      "unix_socket_permissions = 0700\n",
      "max_connections = 200\n",
      "shared_buffers = 128MB\n",
      "fsync = ", on_off, "\n",
      // Without fsync an OS crash can lose data anyway, so torn-page
      // protection buys nothing. synchronous_commit stays on: a committed
      // transaction survives a crash of the server process (tests kill it).
      "full_page_writes = ", on_off, "\n",
      "timezone = 'UTC'\n",
      "log_timezone = 'UTC'\n",
      "logging_collector = off\n",
      "log_line_prefix = '%m [%p] %q%u@%d '\n");
  return WriteFileAtomically(cluster_dir_ + "/" + kConfigFile, conf, run_as_);
}

absl::Status EmbeddedPostgres::PgCtlStart() {
  absl::StatusOr<SubprocessResult> r =
      RunTool("pg_ctl",
              {"start", "-w", "-t",
               absl::StrCat(absl::ToInt64Seconds(kPgCtlWait)), "-D",
               cluster_dir_, "-l", log_file_},
              kToolTimeout);
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    return absl::UnavailableError(
        absl::StrCat("pg_ctl start failed (exit ", r->exit_code, ") for ",
                     cluster_dir_, ":\n", LastLines(r->output, 10), LogTail()));
  }
  return absl::OkStatus();
}

absl::Status EmbeddedPostgres::WaitUntilAccepting(absl::string_view socket_dir) {
  std::string conninfo =
      absl::StrCat("host=", QuoteConnectionValue(socket_dir), " port=", kPort,
                   " dbname=postgres user=",
                   QuoteConnectionValue(options_.superuser),
                   " connect_timeout=2");
  absl::Time deadline = absl::Now() + kPgCtlWait;
  PGPing last = PQPING_NO_RESPONSE;
  while (absl::Now() < deadline) {
    last = PQping(conninfo.c_str());
    if (last == PQPING_OK) return absl::OkStatus();
    if (last == PQPING_NO_ATTEMPT) break;  // bad conninfo: waiting won't help
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::UnavailableError(absl::StrCat(
      "PostgreSQL in ", cluster_dir_, " does not accept connections on ",
      socket_dir, (last == PQPING_REJECT ? " (it rejects them)" : ""),
      LogTail()));
}

std::string EmbeddedPostgres::ConnectionString(absl::string_view dbname) const {
  return absl::StrCat("host=", QuoteConnectionValue(socket_dir_),
                      " port=", kPort, " dbname=", QuoteConnectionValue(dbname),
                      " user=", QuoteConnectionValue(options_.superuser),
                      " passfile=", QuoteConnectionValue(password_file_));
}

absl::Status EmbeddedPostgres::Stop() {
  if (!started_by_this_) return absl::OkStatus();
  return WithLock([&]() -> absl::Status {
    std::string wait = absl::StrCat(absl::ToInt64Seconds(kPgCtlWait));
    absl::StatusOr<SubprocessResult> r = RunTool(
        "pg_ctl", {"stop", "-w", "-t", wait, "-D", cluster_dir_, "-m", "fast"},
        kToolTimeout);
    if (r.ok() && r->exit_code == 0) {
      started_by_this_ = false;
      return absl::OkStatus();
    }
    // Already gone (crashed, or stopped by someone else)?
    absl::StatusOr<SubprocessResult> st =
        RunTool("pg_ctl", {"status", "-D", cluster_dir_}, kToolTimeout);
    if (st.ok() && st->exit_code == 3) {
      started_by_this_ = false;
      return absl::OkStatus();
    }
    std::string fast_output = r.ok() ? r->output : r.status().ToString();
    spdlog::warn("pg_ctl stop -m fast failed for {}; trying -m immediate: {}",
                 cluster_dir_, LastLines(fast_output, 5));
    r = RunTool("pg_ctl",
                {"stop", "-w", "-t", wait, "-D", cluster_dir_, "-m", "immediate"},
                kToolTimeout);
    if (r.ok() && r->exit_code == 0) {
      started_by_this_ = false;
      return absl::OkStatus();
    }
    return absl::UnavailableError(absl::StrCat(
        "cannot stop PostgreSQL in ", cluster_dir_, ":\n",
        LastLines(fast_output, 10), "\n",
        r.ok() ? LastLines(r->output, 10) : r.status().ToString(), LogTail()));
  });
}

absl::Status EmbeddedPostgres::StartAgain() {
  return WithLock([&] { return EnsureRunning(); });
}

// --- Passwords ---------------------------------------------------------------

namespace {

using PgConn = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using PgResult = std::unique_ptr<PGresult, decltype(&PQclear)>;

// DDL takes no parameters: the role (an identifier) and its SCRAM verifier
// (a literal) are escaped by libpq into these.
constexpr char kRoleExistsSql[] = "SELECT 1 FROM pg_roles WHERE rolname = $1";
constexpr char kCreateLoginRoleSql[] = "CREATE ROLE $0 LOGIN NOINHERIT PASSWORD $1";
constexpr char kSetPasswordSql[] = "ALTER ROLE $0 PASSWORD $1";
constexpr char kReloadSql[] = "SELECT pg_reload_conf()";

// The password file's entries for any host, port and database:
// "*:*:*:<role>:<password>" (role names and our passwords need no escaping).
std::map<std::string, std::string> ParsePasswordFile(absl::string_view text) {
  std::map<std::string, std::string> out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::ConsumePrefix(&line, "*:*:*:")) continue;
    std::vector<std::string> fields = absl::StrSplit(line, absl::MaxSplits(':', 1));
    if (fields.size() == 2 && !fields[0].empty() && !fields[1].empty()) {
      out[fields[0]] = fields[1];
    }
  }
  return out;
}

std::string PasswordFileText(const std::map<std::string, std::string>& passwords) {
  std::string out = kPasswordFileHeader;
  for (const auto& [role, password] : passwords) {
    absl::StrAppend(&out, "*:*:*:", role, ":", password, "\n");
  }
  return out;
}

// Whether pg_hba.conf lets anyone in without a password (what earlier
// versions wrote: `local all all trust`).
bool HbaTrusts(absl::string_view hba) {
  for (absl::string_view line : absl::StrSplit(hba, '\n')) {
    line = line.substr(0, line.find('#'));
    for (absl::string_view word : absl::StrSplit(line, absl::ByAnyChar(" \t"),
                                                 absl::SkipEmpty())) {
      if (word == "trust") return true;
    }
  }
  return false;
}

std::string OneLine(absl::string_view text) {
  std::string out(absl::StripAsciiWhitespace(text));
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

// Runs `sql` (no parameters, or one text parameter); the server's message
// on failure.
absl::Status Exec(PGconn* conn, const char* sql, const char* param = nullptr) {
  PgResult r(param == nullptr
                 ? PQexec(conn, sql)
                 : PQexecParams(conn, sql, 1, nullptr, &param, nullptr, nullptr, 0),
             &PQclear);
  const ExecStatusType status = PQresultStatus(r.get());
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return absl::OkStatus();
  return absl::InternalError(OneLine(PQerrorMessage(conn)));
}

// `role`'s password set (the role made, LOGIN NOINHERIT, if missing), sent
// as a SCRAM verifier computed here: the password itself never reaches the
// server, nor its log if the statement fails.
absl::Status SetPassword(PGconn* conn, const std::string& role,
                         const std::string& password, bool create_if_missing) {
  bool exists = true;
  if (create_if_missing) {
    const char* param = role.c_str();
    PgResult r(PQexecParams(conn, kRoleExistsSql, 1, nullptr, &param, nullptr,
                            nullptr, 0),
               &PQclear);
    if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
      return absl::InternalError(OneLine(PQerrorMessage(conn)));
    }
    exists = PQntuples(r.get()) > 0;
  }
  std::unique_ptr<char, decltype(&PQfreemem)> verifier(
      PQencryptPasswordConn(conn, password.c_str(), role.c_str(), "scram-sha-256"),
      &PQfreemem);
  std::unique_ptr<char, decltype(&PQfreemem)> identifier(
      PQescapeIdentifier(conn, role.c_str(), role.size()), &PQfreemem);
  if (verifier == nullptr || identifier == nullptr) {
    return absl::InternalError(OneLine(PQerrorMessage(conn)));
  }
  std::unique_ptr<char, decltype(&PQfreemem)> literal(
      PQescapeLiteral(conn, verifier.get(), std::strlen(verifier.get())), &PQfreemem);
  if (literal == nullptr) return absl::InternalError(OneLine(PQerrorMessage(conn)));
  const std::string sql = absl::Substitute(
      exists ? kSetPasswordSql : kCreateLoginRoleSql, identifier.get(), literal.get());
  if (absl::Status s = Exec(conn, sql.c_str()); !s.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot set the password of role ", role, ": ", s.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>>
EmbeddedPostgres::LoadOrMakePasswords() {
  std::map<std::string, std::string> passwords;
  std::optional<std::string> text = ReadSmallFile(password_file_);
  if (text.has_value()) passwords = ParsePasswordFile(*text);
  bool changed = !text.has_value();
  std::vector<std::string> roles = options_.login_roles;
  roles.push_back(options_.superuser);
  for (const std::string& role : roles) {
    if (!passwords.contains(role)) {
      passwords[role] = NewPassword();
      changed = true;
    }
  }
  if (changed) {
    // Ours (not the server user's), 0600: libpq ignores a password file
    // others can read.
    if (absl::Status s = WriteFileAtomically(password_file_,
                                             PasswordFileText(passwords), std::nullopt);
        !s.ok()) {
      return s;
    }
  } else {
    // Made readable by others since (libpq would then ignore it): private
    // again, if it is our own file and not a link someone put there.
    struct stat st;
    if (lstat(password_file_.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        st.st_uid == geteuid() && (st.st_mode & 077) != 0 &&
        chmod(password_file_.c_str(), 0600) != 0) {
      return ErrnoError("cannot make private", password_file_);
    }
  }
  return passwords;
}

absl::Status EmbeddedPostgres::SecureLogins() {
  const std::string hba_path = cluster_dir_ + "/pg_hba.conf";
  std::optional<std::string> hba = ReadSmallFile(hba_path);
  if (!hba.has_value()) return absl::InternalError(absl::StrCat("cannot read ", hba_path));
  const bool upgrade = HbaTrusts(*hba);
  absl::StatusOr<std::map<std::string, std::string>> passwords = LoadOrMakePasswords();
  if (!passwords.ok()) return passwords.status();

  // As the superuser, with the password file (a trust cluster asks for no
  // password yet).
  PgConn conn(PQconnectdb(absl::StrCat(ConnectionString("postgres"),
                                       " connect_timeout=10")
                              .c_str()),
              &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot log in to the embedded PostgreSQL in ", cluster_dir_, " as ",
        options_.superuser, " with the password file ", password_file_, ": ",
        OneLine(PQerrorMessage(conn.get())),
        ". If that file was lost or replaced, restore it; or put the line "
        "'local all all trust' in ",
        hba_path, " and start again, which sets new passwords"));
  }
  if (upgrade) {
    if (absl::Status s = SetPassword(conn.get(), options_.superuser,
                                     (*passwords)[options_.superuser],
                                     /*create_if_missing=*/false);
        !s.ok()) {
      return s;
    }
  }
  // Every start: a role that migration 0001 made before this version did,
  // or a password file made anew, gets its password.
  for (const std::string& role : options_.login_roles) {
    if (absl::Status s = SetPassword(conn.get(), role, (*passwords)[role],
                                     /*create_if_missing=*/true);
        !s.ok()) {
      return s;
    }
  }
  if (!upgrade) return absl::OkStatus();

  if (absl::Status s = WriteFileAtomically(hba_path, kHbaConf, run_as_); !s.ok()) {
    return s;
  }
  if (absl::Status s = Exec(conn.get(), kReloadSql); !s.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot reload the configuration: ", s.message()));
  }
  // The reload is asynchronous: wait until a login without a password is
  // refused, so nothing after this start still gets in by trust.
  const std::string no_password =
      absl::StrCat("host=", QuoteConnectionValue(socket_dir_), " port=", kPort,
                   " dbname=postgres user=", QuoteConnectionValue(options_.superuser),
                   " passfile=", QuoteConnectionValue(password_file_ + ".none"),
                   " connect_timeout=2");
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (true) {
    PgConn probe(PQconnectdb(no_password.c_str()), &PQfinish);
    if (PQstatus(probe.get()) != CONNECTION_OK) break;
    if (absl::Now() > deadline) {
      return absl::InternalError(absl::StrCat(
          "PostgreSQL in ", cluster_dir_,
          " still lets the superuser in without a password after pg_hba.conf "
          "was rewritten and reloaded",
          LogTail()));
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  spdlog::info(
      "upgraded the embedded PostgreSQL in {} from trust to password "
      "(scram-sha-256) authentication; its passwords are in {}",
      cluster_dir_, password_file_);
  return absl::OkStatus();
}

}  // namespace casebridge::storage
