// Copyright 2026 The cxlab Authors.

#include "engine/semver.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace cxlab::engine {

std::string PaddedVersion(absl::string_view version) {
  if (version.empty()) version = "0";
  if (version.front() == 'v') version.remove_prefix(1);
  size_t plus = version.find('+');
  if (plus != absl::string_view::npos) version = version.substr(0, plus);
  std::vector<std::string> parts =
      absl::StrSplit(version, absl::ByAnyChar("-."));
  if (parts.size() == 3) parts.push_back("~");
  for (std::string& part : parts) {
    bool numeric = !part.empty();
    for (char c : part) numeric = numeric && absl::ascii_isdigit(c);
    if (numeric && part.size() < 5) part.insert(0, 5 - part.size(), ' ');
  }
  return absl::StrJoin(parts, "-");
}

}  // namespace cxlab::engine
