// Copyright 2026 The cxlab Authors.

#include "engine/semver.h"

#include "absl/strings/ascii.h"

namespace cxlab::engine {

void AppendPaddedVersion(absl::string_view version, std::string& out) {
  if (version.empty()) version = "0";
  if (version.front() == 'v') version.remove_prefix(1);
  size_t plus = version.find('+');
  if (plus != absl::string_view::npos) version = version.substr(0, plus);
  int parts = 0;
  size_t start = 0;
  while (true) {
    size_t end = version.find_first_of("-.", start);
    absl::string_view part = version.substr(
        start, end == absl::string_view::npos ? absl::string_view::npos
                                              : end - start);
    if (parts > 0) out.push_back('-');
    bool numeric = !part.empty();
    for (char c : part) numeric = numeric && absl::ascii_isdigit(c);
    if (numeric && part.size() < 5) out.append(5 - part.size(), ' ');
    out.append(part.data(), part.size());
    ++parts;
    if (end == absl::string_view::npos) break;
    start = end + 1;
  }
  // A release without pre-release sorts after its pre-releases.
  if (parts == 3) out.append("-~");
}

std::string PaddedVersion(absl::string_view version) {
  std::string out;
  AppendPaddedVersion(version, out);
  return out;
}

}  // namespace cxlab::engine
