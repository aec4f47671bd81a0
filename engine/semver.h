// Copyright 2026 The cxlab Authors.
//
// Version strings made comparable as plain strings (GrowthBook's rule for
// `$veq $vne $vgt $vgte $vlt $vlte`): a leading "v" and "+build" suffix are
// dropped, the version is split on "." and "-", a release without pre-release
// gets a "~" part (so 1.0.0 > 1.0.0-beta), numeric parts are left-padded with
// spaces to width 5, and the parts are joined with "-".
//
//   PaddedVersion("v1.2.3+build") == "    1-    2-    3-~"
//
// Thread-safety: pure function.

#ifndef CXLAB_ENGINE_SEMVER_H_
#define CXLAB_ENGINE_SEMVER_H_

#include <string>

#include "absl/strings/string_view.h"

namespace cxlab::engine {

// The comparable form of a version string; an empty input means "0".
std::string PaddedVersion(absl::string_view version);

// Appends PaddedVersion(version) to `out` (lets callers reuse a buffer).
void AppendPaddedVersion(absl::string_view version, std::string& out);

}  // namespace cxlab::engine

#endif  // CXLAB_ENGINE_SEMVER_H_
