#include "tests/support/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "storage/subprocess.h"

extern char** environ;

namespace casebridge::test_support {
namespace {

int ExitCode(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

}  // namespace

std::string ServerBinary() { return CASEBRIDGE_SERVER_BINARY; }

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(
    const std::vector<std::string>& args) {
  std::unique_ptr<ServerProcess> p(new ServerProcess());
  char path[] = "/tmp/cb-server-output-XXXXXX";
  int out = mkostemp(path, O_CLOEXEC);
  if (out < 0) {
    return absl::InternalError(absl::StrCat("mkostemp: ", std::strerror(errno)));
  }
  p->output_file_ = path;

  // Everything the child needs is built before fork.
  std::vector<std::string> argv = {ServerBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> c_argv;
  for (std::string& a : argv) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) {
    close(out);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    // Async-signal-safe calls only until exec.
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, nullptr);
    signal(SIGPIPE, SIG_DFL);
    int in = open("/dev/null", O_RDONLY);
    if (in < 0 || dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
        dup2(out, STDERR_FILENO) < 0) {
      _exit(127);
    }
    execve(c_argv[0], c_argv.data(), environ);
    _exit(127);
  }
  close(out);
  p->pid_ = pid;
  return p;
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && !exited_) {
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (!output_file_.empty()) unlink(output_file_.c_str());
}

std::string ServerProcess::Output() const {
  std::ifstream in(output_file_, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::StatusOr<int> ServerProcess::WaitForPort(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const std::string kMarker = "(port ";
  while (true) {
    std::string output = Output();
    size_t at = output.find(kMarker);
    if (at != std::string::npos) {
      size_t start = at + kMarker.size();
      size_t end = output.find(')', start);
      int port = 0;
      if (end != std::string::npos &&
          absl::SimpleAtoi(output.substr(start, end - start), &port)) {
        return port;
      }
    }
    if (!exited_) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        exit_code_ = ExitCode(status);
      }
    }
    if (exited_) {
      return absl::FailedPreconditionError(
          absl::StrCat("casebridge-server exited with ", exit_code_,
                       " before listening:\n", storage::LastLines(Output(), 30)));
    }
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "casebridge-server did not listen within ", absl::FormatDuration(timeout),
          ":\n", storage::LastLines(output, 30)));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
}

void ServerProcess::Signal(int signal) {
  if (pid_ > 0 && !exited_) kill(pid_, signal);
}

absl::StatusOr<int> ServerProcess::Wait(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!exited_) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exited_ = true;
      exit_code_ = ExitCode(status);
      break;
    }
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "casebridge-server still running after ", absl::FormatDuration(timeout), ":\n",
          storage::LastLines(Output(), 30)));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return exit_code_;
}

}  // namespace casebridge::test_support
