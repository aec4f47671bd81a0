// Copyright 2026 The cxlab Authors.
//
// `cxlab content`: ask cxlabd which content each personalization slot serves
// to one unit (PersonalizationService.GetContent; see online_util.h for the
// global flags, errors and output formats).
//
//   content --unit ID [--unit-type T] [--id TYPE=ID ...] [--attr k=v ...]
//           [--attributes JSON] [--slot KEY ...] [--no-exposure]
//
// The table has one row per slot: slot, reason, rule, personas,
// experiment, variant and the content as compact JSON ("-" for an empty
// cell). --output json prints the GetContentResponse.
//
//   $ cxlab content --unit v-42 --attr children=2 --slot home.hero
//   slot       reason  rule          personas  experiment  variant  content
//   home.hero  rule    for_families  families  -           -        {"title":"Kids gear"}
//
// Exit codes: 0 ok, 1 the server answered with an error (an unknown slot:
// "cxlab: INVALID_ARGUMENT: slots[0]: unknown slot 'x'") or could not be
// reached, 2 bad usage.
//
//   CLI::App app;
//   ContentCommand content(app);
//   app.parse(argc, argv);
//   if (std::optional<int> code = content.RunSelected(global, out, err)) ...
//
// Thread-safety: RunContent is reentrant; ContentCommand is not thread-safe
// (one instance per parse).

#ifndef CXLAB_CLIENTS_CPP_CLI_CONTENT_COMMAND_H_
#define CXLAB_CLIENTS_CPP_CLI_CONTENT_COMMAND_H_

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "clients/cpp/cli/online_util.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace cxlab::cli {

struct ContentOptions {
  std::string unit;
  // Empty: the server's default ("user").
  std::string unit_type;
  // Further ids, "TYPE=ID" (--id).
  std::vector<std::string> ids;
  // "key=value" attributes (--attr; JSON values when they parse; a.b nests).
  std::vector<std::string> attrs;
  // A JSON object of attributes (--attributes); `attrs` apply on top.
  std::optional<std::string> attributes_json;
  // Slots to answer (--slot), in this order; empty means every slot,
  // ordered by key.
  std::vector<std::string> slots;
  // --no-exposure: do not record exposures for experiment-backed rules.
  bool no_exposure = false;
};
int RunContent(const ContentOptions& options, const GlobalOptions& global,
               std::ostream& out, std::ostream& err);

// Registers `content` on `app`, which must outlive this object, and holds
// its parsed flags.
class ContentCommand {
 public:
  explicit ContentCommand(CLI::App& app);
  ContentCommand(const ContentCommand&) = delete;
  ContentCommand& operator=(const ContentCommand&) = delete;

  // The exit code of `content` when the parse selected it, else nullopt.
  std::optional<int> RunSelected(const GlobalOptions& global, std::ostream& out,
                                 std::ostream& err);

 private:
  ContentOptions options_;
  std::string attributes_;
  CLI::App* command_ = nullptr;
  CLI::Option* attributes_opt_ = nullptr;
};

}  // namespace cxlab::cli

#endif  // CXLAB_CLIENTS_CPP_CLI_CONTENT_COMMAND_H_
