#include "storage/subprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

extern char** environ;

namespace casebridge::storage {
namespace {

// Output kept from one child; older output is dropped (the tail is what
// explains a failure).
constexpr size_t kMaxOutput = 1 << 20;

// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// Child side, between fork and exec: async-signal-safe calls only (no
// allocation, no locks, no stdio).
void WriteChildError(const char* step) {
  int err = errno;
  char buf[96];
  size_t n = 0;
  const char* prefix = "casebridge: child failed at ";
  for (const char* p = prefix; *p != '\0' && n < sizeof(buf); ++p) buf[n++] = *p;
  for (const char* p = step; *p != '\0' && n < sizeof(buf); ++p) buf[n++] = *p;
  const char* mid = ", errno ";
  for (const char* p = mid; *p != '\0' && n < sizeof(buf); ++p) buf[n++] = *p;
  char digits[12];
  size_t d = 0;
  do {
    digits[d++] = static_cast<char>('0' + err % 10);
    err /= 10;
  } while (err > 0 && d < sizeof(digits));
  while (d > 0 && n < sizeof(buf)) buf[n++] = digits[--d];
  if (n < sizeof(buf)) buf[n++] = '\n';
  ssize_t ignored = write(STDERR_FILENO, buf, n);
  (void)ignored;
}

// Makes `fd` the descriptor `target` with close-on-exec cleared.
bool MoveFd(int fd, int target) {
  if (fd == target) return fcntl(fd, F_SETFD, 0) == 0;
  return dup2(fd, target) == target;
}

// Drops supplementary groups and switches group then user (in that order:
// after setuid we could no longer change the group).
bool SwitchUser(const RunAsUser& user) {
  gid_t gid = user.gid;
  return setgroups(1, &gid) == 0 && setgid(user.gid) == 0 &&
         setuid(user.uid) == 0;
}

// A signal mask or ignored SIGPIPE inherited from our threads (gRPC ignores
// SIGPIPE) would otherwise pass through exec to the PostgreSQL tools.
void ResetSignals() {
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, nullptr);
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGPIPE, &dfl, nullptr);
}

std::vector<std::string> ChildEnvironment() {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    absl::string_view var(*e);
    if (absl::StartsWith(var, "PG") || absl::StartsWith(var, "LC_ALL=")) {
      continue;
    }
    env.emplace_back(var);
  }
  env.push_back("LC_ALL=C");
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int ExitCode(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

void WaitForChild(pid_t pid, int* status) {
  while (waitpid(pid, status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

absl::StatusOr<RunAsUser> LookUpUser(absl::string_view name) {
  std::string user_name(name);
  std::vector<char> buf(16384);
  struct passwd pw;
  struct passwd* found = nullptr;
  int rc = getpwnam_r(user_name.c_str(), &pw, buf.data(), buf.size(), &found);
  if (rc != 0 || found == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("system user '", name, "' does not exist"));
  }
  return RunAsUser{user_name, pw.pw_uid, pw.pw_gid};
}

absl::StatusOr<SubprocessResult> RunSubprocess(
    const std::vector<std::string>& argv, const SubprocessOptions& options) {
  if (argv.empty() || argv[0].empty() || argv[0][0] != '/') {
    return absl::InvalidArgumentError(
        "RunSubprocess needs an absolute program path in argv[0]");
  }
  // Everything the child needs is prepared before fork.
  std::vector<std::string> args = argv;
  std::vector<char*> c_args = CStrings(args);
  std::vector<std::string> env = ChildEnvironment();
  std::vector<char*> c_env = CStrings(env);
  std::string working_dir = options.working_dir;
  std::optional<RunAsUser> run_as = options.run_as;

  Fd dev_null(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (dev_null.get() < 0) {
    return absl::InternalError(
        absl::StrCat("open /dev/null: ", std::strerror(errno)));
  }
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  Fd read_end(pipe_fds[0]);
  Fd write_end(pipe_fds[1]);

  pid_t pid = fork();
  if (pid < 0) {
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    ResetSignals();
    if (!MoveFd(dev_null.get(), STDIN_FILENO) ||
        !MoveFd(write_end.get(), STDOUT_FILENO) ||
        !MoveFd(write_end.get(), STDERR_FILENO)) {
      _exit(127);
    }
    if (run_as.has_value() && !SwitchUser(*run_as)) {
      WriteChildError("switching user");
      _exit(127);
    }
    if (chdir(working_dir.c_str()) != 0) {
      WriteChildError("chdir");
      _exit(127);
    }
    execve(c_args[0], c_args.data(), c_env.data());
    WriteChildError("exec");
    _exit(127);
  }

  write_end.Reset();
  fcntl(read_end.get(), F_SETFL, fcntl(read_end.get(), F_GETFL) | O_NONBLOCK);

  SubprocessResult result;
  const absl::Time deadline = absl::Now() + options.timeout;
  bool pipe_open = true;
  bool exited = false;
  int wait_status = 0;
  char buf[8192];
  while (true) {
    // Read whatever is there.
    while (pipe_open) {
      ssize_t n = read(read_end.get(), buf, sizeof(buf));
      if (n > 0) {
        result.output.append(buf, static_cast<size_t>(n));
        if (result.output.size() > kMaxOutput) {
          result.output.erase(0, result.output.size() - kMaxOutput);
        }
        continue;
      }
      if (n == 0) pipe_open = false;  // EOF
      if (n < 0 && errno == EINTR) continue;
      break;  // EAGAIN (or an error: treat like EOF below)
    }
    // A child that exited is done even if a grandchild it left running (a
    // daemon) still holds the pipe: we drained what was there.
    if (exited) break;
    pid_t r = waitpid(pid, &wait_status, WNOHANG);
    if (r == pid) {
      exited = true;
      continue;  // one last drain
    }
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      kill(pid, SIGKILL);
      WaitForChild(pid, &wait_status);
      return absl::DeadlineExceededError(absl::StrCat(
          argv[0], " did not finish within ", absl::FormatDuration(options.timeout),
          " and was killed; its last output:\n", LastLines(result.output, 20)));
    }
    int wait_ms = static_cast<int>(
        std::min<int64_t>(50, absl::ToInt64Milliseconds(left) + 1));
    if (pipe_open) {
      struct pollfd pfd = {read_end.get(), POLLIN, 0};
      poll(&pfd, 1, wait_ms);
    } else {
      poll(nullptr, 0, wait_ms);
    }
  }
  result.exit_code = ExitCode(wait_status);
  return result;
}

bool UserCanEnter(const RunAsUser& user, const std::string& dir) {
  if (geteuid() != 0 || user.uid == geteuid()) {
    return access(dir.c_str(), X_OK) == 0;
  }
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    if (!SwitchUser(user)) _exit(2);
    _exit(access(dir.c_str(), X_OK) == 0 ? 0 : 1);
  }
  int status = 0;
  WaitForChild(pid, &status);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string LastLines(absl::string_view text, int max_lines) {
  std::vector<absl::string_view> lines =
      absl::StrSplit(text, '\n', absl::SkipWhitespace());
  size_t first = lines.size() > static_cast<size_t>(max_lines)
                     ? lines.size() - static_cast<size_t>(max_lines)
                     : 0;
  return absl::StrJoin(lines.begin() + first, lines.end(), "\n");
}

}  // namespace casebridge::storage
