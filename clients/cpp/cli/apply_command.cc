// Copyright 2026 The cxlab Authors.

#include "clients/cpp/cli/apply_command.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/convert/definitions_convert.h"
#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/definitions_loader.h"
#include "cxlab/v1/experiment_service.pb.h"

namespace cxlab::cli {
namespace {

namespace fs = std::filesystem;

// "1 error" / "3 errors".
std::string Count(size_t n, absl::string_view noun) {
  return absl::StrCat(n, " ", noun, n == 1 ? "" : "s");
}

bool IsDefinitionsFile(const fs::path& file) {
  const std::string ext = absl::AsciiStrToLower(file.extension().string());
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

// The files under `path` in the loader's order: `path` itself when it is a
// file, else every definitions file below it, sorted by path.
absl::StatusOr<std::vector<std::string>> DefinitionFiles(
    const std::string& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return std::vector<std::string>{path};
  std::vector<std::string> files;
  fs::recursive_directory_iterator it(
      path, fs::directory_options::follow_directory_symlink, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_regular_file(type_ec) && IsDefinitionsFile(it->path())) {
      files.push_back(it->path().string());
    }
  }
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("-f ", path, ": cannot read directory: ", ec.message()));
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string ActionLabel(v1::PlannedChange::Action action, bool dry_run) {
  switch (action) {
    case v1::PlannedChange::ACTION_CREATE:
      return dry_run ? "would create" : "created";
    case v1::PlannedChange::ACTION_UPDATE:
      return dry_run ? "would update" : "updated";
    case v1::PlannedChange::ACTION_UNCHANGED:
      return "unchanged";
    default:
      return "?";
  }
}

// One line per object, then returns {created, updated, unchanged}.
std::vector<size_t> PrintPlan(
    const google::protobuf::RepeatedPtrField<v1::PlannedChange>& changes,
    bool dry_run, std::ostream& out) {
  std::vector<size_t> counts(3, 0);
  for (const v1::PlannedChange& c : changes) {
    out << ActionLabel(c.action(), dry_run) << " " << c.kind() << " "
        << c.key();
    if (c.action() == v1::PlannedChange::ACTION_UPDATE &&
        c.changed_fields_size() > 0) {
      out << " (" << absl::StrJoin(c.changed_fields(), ", ") << ")";
    }
    out << "\n";
    switch (c.action()) {
      case v1::PlannedChange::ACTION_CREATE:
        ++counts[0];
        break;
      case v1::PlannedChange::ACTION_UPDATE:
        ++counts[1];
        break;
      default:
        ++counts[2];
        break;
    }
  }
  return counts;
}

// "experiment checkout: variants[1].weight: weights must sum to 1, got 0.9"
// (the same shape as engine::DefinitionError::ToString).
std::string FieldErrorLine(const v1::FieldError& e) {
  std::string line;
  if (!e.kind().empty() || !e.key().empty()) {
    line = absl::StrCat(e.kind(), " ", e.key().empty() ? "(no key)" : e.key(),
                        ": ");
  }
  if (!e.field().empty()) absl::StrAppend(&line, e.field(), ": ");
  absl::StrAppend(&line, e.message());
  return line;
}

}  // namespace

std::optional<engine::Definitions> ParseDefinitionsForApply(
    const std::string& path, std::ostream& err, int* exit_code) {
  absl::Status readable = CheckReadablePath("-f", path);
  if (!readable.ok()) {
    *exit_code = ReportUsageError(err, readable);
    return std::nullopt;
  }
  absl::StatusOr<std::vector<std::string>> files = DefinitionFiles(path);
  if (!files.ok()) {
    *exit_code = ReportUsageError(err, files.status());
    return std::nullopt;
  }
  if (files->empty()) {
    *exit_code = ReportUsageError(
        err, absl::StrCat("-f ", path,
                          ": no definitions files (*.yaml, *.yml, *.json)"));
    return std::nullopt;
  }
  client::LoadResult loaded;
  for (const std::string& file : *files) {
    absl::StatusOr<std::string> text = ReadFileToString("-f", file);
    if (!text.ok()) {
      loaded.errors.push_back(
          {file, 0, "", std::string(text.status().message())});
      continue;
    }
    client::ParseDefinitionsText(*text, file, loaded);
  }
  if (!loaded.ok()) {
    for (const client::LoadError& e : loaded.errors) {
      err << e.ToString() << "\n";
    }
    err << "invalid: " << Count(loaded.errors.size(), "error") << " in "
        << Count(files->size(), "file") << "\n";
    err.flush();
    *exit_code = kExitFailure;
    return std::nullopt;
  }
  *exit_code = kExitOk;
  return std::move(loaded.defs);
}

int RunApply(const ApplyOptions& options, const GlobalOptions& global,
             std::ostream& out, std::ostream& err) {
  int code = kExitOk;
  std::optional<engine::Definitions> defs =
      ParseDefinitionsForApply(options.path, err, &code);
  if (!defs.has_value()) return code;
  v1::Definitions proto;
  api::ToProto(*defs, &proto);

  std::unique_ptr<client::Client> client;
  if ((code = ConnectOrReport(global, err, &client)) != kExitOk) return code;
  const bool json = global.output == "json";

  if (options.dry_run) {
    v1::ValidateRequest request;
    *request.mutable_definitions() = std::move(proto);
    absl::StatusOr<v1::ValidateResponse> response = client->Validate(request);
    if (!response.ok()) return ReportServerError(err, response.status());
    if (json) {
      out << ToJsonLine(*response) << "\n";
    } else if (response->valid()) {
      std::vector<size_t> n = PrintPlan(response->changes(), true, out);
      out << "dry run: " << n[0] << " to create, " << n[1] << " to update, "
          << n[2] << " unchanged; nothing was stored\n";
    }
    out.flush();
    if (!response->valid()) {
      for (const v1::FieldError& e : response->errors()) {
        err << FieldErrorLine(e) << "\n";
      }
      err << "invalid: " << Count(response->errors_size(), "error") << "\n";
      err.flush();
      return kExitFailure;
    }
    return kExitOk;
  }

  v1::ApplyRequest request;
  *request.mutable_definitions() = std::move(proto);
  absl::StatusOr<v1::ApplyResponse> response = client->Apply(request);
  if (!response.ok()) return ReportServerError(err, response.status());
  if (json) {
    out << ToJsonLine(*response) << "\n";
  } else {
    std::vector<size_t> n = PrintPlan(response->changes(), false, out);
    out << "applied " << Count(response->changes_size(), "object") << ": "
        << n[0] << " created, " << n[1] << " updated, " << n[2]
        << " unchanged; config version " << response->config_version() << "\n";
  }
  out.flush();
  return kExitOk;
}

}  // namespace cxlab::cli
