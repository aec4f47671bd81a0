// Copyright 2026 The cxlab Authors.
//
// `cxlab bandit KEY [--history N]`: the weights a bandit experiment learned
// (PersonalizationService.GetBanditState): one row per persona context with
// each variant's share of new traffic and the units / conversions it was
// learned from, then the newest N re-weightings (default 10).
//
//   $ cxlab bandit recommendation_block_bandit
//   recommendation_block_bandit: version 12, updated 2026-11-22T23:40:05Z,
//   metric add_to_cart, every 1 min, min share 5%
//   persona    control  bestsellers  new_arrivals  units  conversions
//   (none)     5.0%     88.1%        6.9%          1204   171
//   runners    5.0%     6.0%         89.0%         512    88
//
// --output json prints the BanditState. Exit codes: 0 ok, 1 server error
// (unknown experiment, not a bandit), 2 bad usage.
//
// Thread-safety: RunBandit is reentrant; BanditCommand is not thread-safe.

#ifndef CXLAB_CLIENTS_CPP_CLI_BANDIT_COMMAND_H_
#define CXLAB_CLIENTS_CPP_CLI_BANDIT_COMMAND_H_

#include <optional>
#include <ostream>
#include <string>

#include "clients/cpp/cli/online_util.h"

namespace CLI {
class App;
}  // namespace CLI

namespace cxlab::cli {

struct BanditOptions {
  std::string experiment;
  int history = 10;  // re-weightings listed, newest last; >= 0
};

int RunBandit(const BanditOptions& options, const GlobalOptions& global,
              std::ostream& out, std::ostream& err);

// Registers `bandit` on `app`, which must outlive this object.
class BanditCommand {
 public:
  explicit BanditCommand(CLI::App& app);
  BanditCommand(const BanditCommand&) = delete;
  BanditCommand& operator=(const BanditCommand&) = delete;

  // The exit code of `bandit` when the parse selected it, else nullopt.
  std::optional<int> RunSelected(const GlobalOptions& global, std::ostream& out,
                                 std::ostream& err);

 private:
  BanditOptions options_;
  CLI::App* command_ = nullptr;
};

}  // namespace cxlab::cli

#endif  // CXLAB_CLIENTS_CPP_CLI_BANDIT_COMMAND_H_
