// Copyright 2026 The cxlab Authors.
//
// The online commands of `cxlab`: they talk to cxlabd over gRPC (see
// online_util.h for the global flags, errors and output formats).
//
//   apply -f PATH [--dry-run]             (apply_command.h)
//   get KIND KEY                          one object (experiment, segment,
//                                         group, metric, layer, holdout,
//                                         slot)
//   list KINDS                            every object of a kind
//   start KEY [--new-salt S] | pause KEY | stop KEY | launch KEY --variant V
//   assign --unit ID [--unit-type T] [--id TYPE=ID ...] [--attr k=v ...]
//          [--attributes JSON] [--experiment KEY ...]
//   changes [--experiment KEY] [--kind K] [--limit N]
//   keys create --role R --name N | keys list | keys revoke ID
//   health
//
// OnlineCommands registers them on the CLI11 app and, after parsing, runs
// the one selected:
//
//   CLI::App app;
//   OnlineCommands online(app);
//   app.parse(argc, argv);
//   if (std::optional<int> code = online.RunSelected(global, out, err)) ...
//
// Exit codes: 0 ok, 1 the server answered with an error or could not be
// reached (or `health` is not SERVING), 2 bad usage.
//
// Thread-safety: not thread-safe; one instance per parse.

#ifndef CXLAB_CLIENTS_CPP_CLI_ONLINE_COMMANDS_H_
#define CXLAB_CLIENTS_CPP_CLI_ONLINE_COMMANDS_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "clients/cpp/cli/apply_command.h"
#include "clients/cpp/cli/online_util.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace cxlab::cli {

// `get KIND KEY` / `list KINDS`. KIND is singular or plural.
struct GetOptions {
  std::string kind;
  std::string key;
};
int RunGet(const GetOptions& options, const GlobalOptions& global,
           std::ostream& out, std::ostream& err);
int RunList(const std::string& kind, const GlobalOptions& global,
            std::ostream& out, std::ostream& err);

// `start`, `pause`, `stop`, `launch`.
struct LifecycleOptions {
  // "start", "pause", "stop" or "launch".
  std::string action;
  std::string key;
  // start: the new salt a stopped experiment needs to restart (--new-salt).
  std::string new_salt;
  // launch: the winning variant (--variant).
  std::string variant;
};
int RunLifecycle(const LifecycleOptions& options, const GlobalOptions& global,
                 std::ostream& out, std::ostream& err);

// `assign`.
struct AssignOptions {
  std::string unit;
  // Empty: the server's default ("user").
  std::string unit_type;
  // Further ids, "TYPE=ID" (--id).
  std::vector<std::string> ids;
  // "key=value" attributes (--attr; JSON values when they parse; a.b nests).
  std::vector<std::string> attrs;
  // A JSON object of attributes (--attributes); `attrs` apply on top.
  std::optional<std::string> attributes_json;
  // Experiments to evaluate; empty means every running or launched one.
  std::vector<std::string> experiments;
};
int RunAssign(const AssignOptions& options, const GlobalOptions& global,
              std::ostream& out, std::ostream& err);

// `changes`: the audit log, newest first.
struct ChangesOptions {
  // Only this experiment's changes (--experiment).
  std::string experiment;
  // Only this kind (--kind): experiment, segment, ..., apikey.
  std::string kind;
  // At most this many changes (--limit), 1..10000.
  int64_t limit = 20;
};
int RunChanges(const ChangesOptions& options, const GlobalOptions& global,
               std::ostream& out, std::ostream& err);

// `keys create|list|revoke`.
struct KeysOptions {
  // "create", "list", "revoke" or "rotate".
  std::string action;
  // create: sdk, reader, editor or admin (--role) and a name (--name).
  std::string role;
  std::string name;
  // revoke, rotate: the key id.
  std::string id;
};
int RunKeys(const KeysOptions& options, const GlobalOptions& global,
            std::ostream& out, std::ostream& err);

// `health`: prints the grpc.health.v1 status (SERVING); exit 1 otherwise.
int RunHealth(const GlobalOptions& global, std::ostream& out,
              std::ostream& err);

// Registers the online commands (apply, get, list, start, pause, stop,
// launch, assign, changes, keys, health) on `app`, which must outlive this
// object, and holds their parsed flags.
class OnlineCommands {
 public:
  explicit OnlineCommands(CLI::App& app);
  OnlineCommands(const OnlineCommands&) = delete;
  OnlineCommands& operator=(const OnlineCommands&) = delete;

  // The exit code of the online command the parse selected, or nullopt when
  // it selected none of them.
  std::optional<int> RunSelected(const GlobalOptions& global, std::ostream& out,
                                 std::ostream& err);

 private:
  ApplyOptions apply_;
  GetOptions get_;
  std::string list_kind_;
  LifecycleOptions start_, pause_, stop_, launch_;
  AssignOptions assign_;
  std::string assign_attributes_;
  ChangesOptions changes_;
  KeysOptions keys_create_, keys_revoke_, keys_rotate_;

  CLI::App* apply_cmd_ = nullptr;
  CLI::App* get_cmd_ = nullptr;
  CLI::App* list_cmd_ = nullptr;
  CLI::App* start_cmd_ = nullptr;
  CLI::App* pause_cmd_ = nullptr;
  CLI::App* stop_cmd_ = nullptr;
  CLI::App* launch_cmd_ = nullptr;
  CLI::App* assign_cmd_ = nullptr;
  CLI::App* changes_cmd_ = nullptr;
  CLI::App* keys_cmd_ = nullptr;
  CLI::App* keys_create_cmd_ = nullptr;
  CLI::App* keys_list_cmd_ = nullptr;
  CLI::App* keys_revoke_cmd_ = nullptr;
  CLI::App* keys_rotate_cmd_ = nullptr;
  CLI::App* health_cmd_ = nullptr;
  CLI::Option* assign_attributes_opt_ = nullptr;
};

}  // namespace cxlab::cli

#endif  // CXLAB_CLIENTS_CPP_CLI_ONLINE_COMMANDS_H_
