#ifndef CASEBRIDGE_STORAGE_SUBPROCESS_H_
#define CASEBRIDGE_STORAGE_SUBPROCESS_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace casebridge::storage {

// A system user a child process switches to before exec (PostgreSQL refuses
// to run as root, so when we are root its tools run as `postgres`).
struct RunAsUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Looks a system user up by name (NOT_FOUND if there is none).
absl::StatusOr<RunAsUser> LookUpUser(absl::string_view name);

struct SubprocessOptions {
  // Switch to this user (setgroups/setgid/setuid) in the child; needs root.
  std::optional<RunAsUser> run_as;
  // The child's working directory. "/" by default: a tool run as another
  // user may not be able to enter our current directory.
  std::string working_dir = "/";
  // The child is killed (SIGKILL) once this has passed: no call hangs.
  absl::Duration timeout = absl::Seconds(60);
};

struct SubprocessResult {
  int exit_code = -1;  // exit status, or 128 + signal number if killed
  std::string output;  // stdout and stderr interleaved, as the child wrote
};

// Runs argv[0] (an absolute path; no PATH search, no shell) with argv and
// returns its exit code and output. Environment: ours minus every PG*
// variable (so a PGDATA/PGHOST/PGPORT of the caller cannot redirect the
// tool), with LC_ALL=C so messages are in English. Error statuses are for
// failing to run the child (or DEADLINE_EXCEEDED); a non-zero exit is a
// result, not an error. Safe to call from a multi-threaded process: the
// child only makes async-signal-safe calls before exec.
absl::StatusOr<SubprocessResult> RunSubprocess(
    const std::vector<std::string>& argv, const SubprocessOptions& options);

// Whether `user` may search (enter) `dir`, including every directory above
// it. Decided by the kernel in a child switched to that user, so ACLs and
// group membership count exactly as they will for the real tool.
bool UserCanEnter(const RunAsUser& user, const std::string& dir);

// The last `max_lines` lines of `text` (for error messages).
std::string LastLines(absl::string_view text, int max_lines);

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_SUBPROCESS_H_
