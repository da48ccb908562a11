#ifndef CASEBRIDGE_TESTS_SUPPORT_TEMP_DIR_H_
#define CASEBRIDGE_TESTS_SUPPORT_TEMP_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

#include "gtest/gtest.h"

namespace casebridge::test_support {

// A fresh directory under the test's temporary directory (mode 0700, as
// mkdtemp makes it), removed with everything in it when this goes.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "casebridge") {
    std::string pattern = ::testing::TempDir() + prefix + ".XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace casebridge::test_support

#endif  // CASEBRIDGE_TESTS_SUPPORT_TEMP_DIR_H_
