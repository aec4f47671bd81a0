// Copyright 2026 The cxlab Authors.
//
// The `cxlab` binary: wiring only; see cli_app.h for the commands.

#include <iostream>

#include "clients/cpp/cli/cli_app.h"

int main(int argc, char** argv) {
  return cxlab::cli::RunCli(argc, argv, std::cin, std::cout, std::cerr);
}
