#ifndef CASEBRIDGE_TESTS_SUPPORT_SERVER_PROCESS_H_
#define CASEBRIDGE_TESTS_SUPPORT_SERVER_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace casebridge::test_support {

// Absolute path of the casebridge-server binary of this build.
std::string ServerBinary();

// The real casebridge-server binary running as a child process, for what an
// in-process server cannot show: exit codes, crashes (kill -9), restarts.
// Its stdout and stderr go to a temporary file.
class ServerProcess {
 public:
  // Starts ServerBinary() with `args` (flags only; the program name is
  // added).
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(
      const std::vector<std::string>& args);
  // Kills the child (SIGKILL) if it still runs and removes the output file.
  ~ServerProcess();

  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Waits until the server logs the port it listens on ("(port N)") and
  // returns it; an error with the output if it exits or `timeout` passes
  // first.
  absl::StatusOr<int> WaitForPort(absl::Duration timeout);
  // Sends `signal` to the child.
  void Signal(int signal);
  // Waits for the child to exit: its exit code, or 128 + signal. An error if
  // it is still running after `timeout`.
  absl::StatusOr<int> Wait(absl::Duration timeout);
  // Everything the child has written so far.
  std::string Output() const;
  pid_t pid() const { return pid_; }

 private:
  ServerProcess() = default;

  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_code_ = -1;
  std::string output_file_;
};

}  // namespace casebridge::test_support

#endif  // CASEBRIDGE_TESTS_SUPPORT_SERVER_PROCESS_H_
