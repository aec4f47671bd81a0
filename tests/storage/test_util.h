// Copyright 2026 The cxlab Authors.
//
// Helpers for storage tests: a self-deleting temporary directory and status
// matchers (Debian's Abseil predates absl's own).

#ifndef CXLAB_TESTS_STORAGE_TEST_UTIL_H_
#define CXLAB_TESTS_STORAGE_TEST_UTIL_H_

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxlab::storage_test {

// A fresh directory under /tmp (mkdtemp), removed recursively on
// destruction. Not thread-safe; owned by one test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = "/tmp/cxlab-storage-test-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed";
      return;
    }
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    if (path_.empty()) return;
    std::error_code error;
    std::filesystem::remove_all(path_, error);
    EXPECT_FALSE(error) << "cannot remove " << path_ << ": " << error.message();
  }

  // The directory (exists until destruction).
  const std::string& path() const { return path_; }

  // A path inside the directory (not created).
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

// Matches an absl::Status or absl::StatusOr<T> that is OK.
MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  if (!status.ok()) *result_listener << "status is " << status;
  return status.ok();
}

// Matches an absl::Status or absl::StatusOr<T> with the given code.
MATCHER_P(StatusIs, code, "has status code " + absl::StatusCodeToString(code)) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code;
}

// Matches an OK absl::StatusOr<T> whose value matches `matcher`.
MATCHER_P(IsOkAndHolds, matcher, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(matcher, *arg, result_listener);
}

// Matches like StatusIs and also requires the message to match `matcher`.
MATCHER_P2(StatusIs, code, message_matcher,
           "has status code " + absl::StatusCodeToString(code)) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code &&
         ::testing::ExplainMatchResult(
             message_matcher, std::string(status.message()), result_listener);
}

}  // namespace cxlab::storage_test

#endif  // CXLAB_TESTS_STORAGE_TEST_UTIL_H_
