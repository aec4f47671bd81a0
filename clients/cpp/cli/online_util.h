// Copyright 2026 The cxlab Authors.
//
// Helpers shared by the online commands of the `cxlab` CLI (the ones that
// talk to cxlabd over gRPC): the global connection flags, connecting, error
// reporting, and the two output formats.
//
//   GlobalOptions global;  // --server, --key / --key-file, --output
//   std::unique_ptr<client::Client> client;
//   if (int code = ConnectOrReport(global, err, &client); code != kExitOk) {
//     return code;
//   }
//   absl::StatusOr<v1::ListExperimentsResponse> r = client->ListExperiments();
//   if (!r.ok()) return ReportServerError(err, r.status());
//
// Error output: a server error prints "cxlab: <CODE>: <line>" for each line
// of its message and exits kExitFailure; an unreachable server prints
// "cxlab: cannot reach SERVER: <reason>" and exits kExitFailure; bad flags
// exit kExitUsage.
//
// Thread-safety: all functions are reentrant; none keeps state.

#ifndef CXLAB_CLIENTS_CPP_CLI_ONLINE_UTIL_H_
#define CXLAB_CLIENTS_CPP_CLI_ONLINE_UTIL_H_

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "clients/cpp/client/client.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"

namespace cxlab::cli {

// The server used when neither --server nor CXLAB_SERVER says otherwise.
inline constexpr char kDefaultServer[] = "127.0.0.1:7070";

// The global flags of the online commands, as parsed (before defaults).
struct GlobalOptions {
  // --server HOST:PORT; unset means $CXLAB_SERVER, else kDefaultServer.
  std::optional<std::string> server;
  // --key SECRET; unset means --key-file, else $CXLAB_KEY, else none.
  std::optional<std::string> key;
  // --key-file PATH: a file holding the key (surrounding whitespace ignored).
  std::optional<std::string> key_file;
  // --tls-ca PATH (default $CXLAB_TLS_CA): connect over TLS, trusting this
  // CA; --tls-cert / --tls-key: the client certificate for mutual TLS.
  std::optional<std::string> tls_ca;
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
  // --output: "table" (aligned columns) or "json" (one proto3 JSON
  // document).
  std::string output = "table";
  // Per-call deadline.
  absl::Duration timeout = absl::Seconds(30);
};

// The server address: --server, else a non-empty $CXLAB_SERVER, else
// kDefaultServer.
std::string ResolveServer(const GlobalOptions& global);

// True when a server was named explicitly (--server or $CXLAB_SERVER).
bool ServerNamed(const GlobalOptions& global);

// The API key: --key, else the contents of --key-file, else $CXLAB_KEY,
// else "". InvalidArgument naming --key-file when the file cannot be read.
absl::StatusOr<std::string> ResolveKey(const GlobalOptions& global);

// Resolves the server and key and connects. On failure prints the reason to
// `err` and returns its exit code (kExitUsage for a bad key or key file,
// kExitFailure for an unreachable server); otherwise sets `*client` and
// returns kExitOk.
int ConnectOrReport(const GlobalOptions& global, std::ostream& err,
                    std::unique_ptr<client::Client>* client);

// Fills `*unit` from the unit flags of `assign` and `content`: the id
// (--unit), its type (--unit-type; empty means the server's "user"),
// further ids (--id TYPE=ID, never the type of --unit) and the attributes
// (--attributes JSON, then each --attr k=v on top; see BuildAttributes).
// InvalidArgument naming the flag on bad input, for ReportUsageError.
absl::Status BuildUnit(const std::string& unit_id,
                       const std::string& unit_type,
                       const std::vector<std::string>& ids,
                       const std::optional<std::string>& attributes_json,
                       const std::vector<std::string>& attrs, v1::Unit* unit);

// Prints "cxlab: <CODE>: <line>" for every line of the status message (the
// server sends one line per broken rule) and returns kExitFailure.
int ReportServerError(std::ostream& err, const absl::Status& status);

// The proto3 JSON mapping of `message` (lowerCamelCase names, enum names,
// int64 as strings, default values omitted), compact, on one line.
std::string ToJsonLine(const google::protobuf::Message& message);

// Prints `rows` (the first one is the header) as left-aligned columns
// separated by two spaces; empty cells print as "-". The last column is not
// padded.
void PrintTable(const std::vector<std::vector<std::string>>& rows,
                std::ostream& out);

// Prints one message as a two-column "field  value" table: every set
// top-level field by its proto name, strings unquoted, other values as
// compact JSON; repeated messages get one row each ("variants[0]"), `meta`
// is spread into "meta.version", ...; enum values lose their type prefix and
// are lower case ("running", "binomial").
void PrintMessageTable(const google::protobuf::Message& message,
                       std::ostream& out);

// An enum value name without `prefix`, lower case:
// EnumLabel("EXPERIMENT_STATUS_RUNNING", "EXPERIMENT_STATUS_") == "running".
std::string EnumLabel(absl::string_view name, absl::string_view prefix);

// RFC 3339 UTC, to the second; "-" for an unset (zero) timestamp.
std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp);

// "%g" of a double ("0.5", "1").
std::string FormatDouble(double value);

}  // namespace cxlab::cli

#endif  // CXLAB_CLIENTS_CPP_CLI_ONLINE_UTIL_H_
