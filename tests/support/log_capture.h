#ifndef CASEBRIDGE_TESTS_SUPPORT_LOG_CAPTURE_H_
#define CASEBRIDGE_TESTS_SUPPORT_LOG_CAPTURE_H_

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "spdlog/sinks/base_sink.h"
#include "spdlog/spdlog.h"

namespace casebridge::test_support {

// What the default spdlog logger writes while this object lives, for tests
// of what the server logs (and how often). Make it before the threads that
// log start and destroy it after they stop: spdlog's sink list is not
// guarded against changes while others log.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<Sink>()) {
    spdlog::default_logger()->sinks().push_back(sink_);
  }
  ~LogCapture() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // The messages logged so far that contain `text`.
  std::vector<std::string> Lines(absl::string_view text) const {
    std::vector<std::string> out;
    for (std::string& line : sink_->Lines()) {
      if (absl::StrContains(line, text)) out.push_back(std::move(line));
    }
    return out;
  }
  std::string All() const { return absl::StrJoin(sink_->Lines(), "\n"); }

 private:
  class Sink : public spdlog::sinks::base_sink<std::mutex> {
   public:
    std::vector<std::string> Lines() {
      std::lock_guard<std::mutex> lock(mutex_);
      return lines_;
    }

   protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
      lines_.emplace_back(msg.payload.data(), msg.payload.size());
    }
    void flush_() override {}

   private:
    std::vector<std::string> lines_;
  };

  std::shared_ptr<Sink> sink_;
};

}  // namespace casebridge::test_support

#endif  // CASEBRIDGE_TESTS_SUPPORT_LOG_CAPTURE_H_
