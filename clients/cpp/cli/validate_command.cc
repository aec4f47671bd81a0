// Copyright 2026 The cxlab Authors.

#include "clients/cpp/cli/validate_command.h"

#include "absl/strings/str_cat.h"
#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/definitions_loader.h"

namespace cxlab::cli {
namespace {

// "1 error" / "3 errors".
std::string Count(size_t n, absl::string_view noun) {
  return absl::StrCat(n, " ", noun, n == 1 ? "" : "s");
}

}  // namespace

int RunValidate(const ValidateOptions& options, std::ostream& out,
                std::ostream& err) {
  absl::Status readable = CheckReadablePath("-f", options.path);
  if (!readable.ok()) return ReportUsageError(err, readable);

  client::LoadResult loaded = client::LoadDefinitions(options.path);
  if (!loaded.ok()) {
    for (const client::LoadError& e : loaded.errors) {
      err << e.ToString() << "\n";
    }
    err << "invalid: " << Count(loaded.errors.size(), "error") << " in "
        << Count(loaded.files.size(), "file") << "\n";
    err.flush();
    return kExitInvalidDefinitions;
  }
  const engine::Definitions& defs = loaded.defs;
  out << "ok: " << defs.experiments.size() << " experiments, "
      << defs.segments.size() << " segments, " << defs.groups.size()
      << " groups, " << defs.metrics.size() << " metrics, "
      << defs.layers.size() << " layers";
  if (!defs.holdouts.empty())
    out << ", " << defs.holdouts.size() << " holdouts";
  if (!defs.slots.empty()) out << ", " << defs.slots.size() << " slots";
  out << " in " << loaded.files.size() << " files\n";
  out.flush();
  return kExitOk;
}

}  // namespace cxlab::cli
