// Copyright 2026 The cxlab Authors.
//
// Local status-propagation macros. Debian's Abseil (20220623) predates the
// public status macros, so cxlab keeps these two small ones.
//
//   RETURN_IF_ERROR(DoThing());
//   ASSIGN_OR_RETURN(auto value, ComputeValue());

#ifndef CXLAB_ENGINE_STATUS_MACROS_H_
#define CXLAB_ENGINE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Evaluates `expr` (an absl::Status) and returns it from the enclosing
// function when it is not OK.
#define RETURN_IF_ERROR(expr)                                        \
  do {                                                               \
    const ::absl::Status cxlab_status_internal_ = (expr);            \
    if (!cxlab_status_internal_.ok()) return cxlab_status_internal_; \
  } while (0)

#define CXLAB_STATUS_CONCAT_INNER_(a, b) a##b
#define CXLAB_STATUS_CONCAT_(a, b) CXLAB_STATUS_CONCAT_INNER_(a, b)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status from
// the enclosing function, otherwise moves the value into `lhs`.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  CXLAB_ASSIGN_OR_RETURN_IMPL_(      \
      CXLAB_STATUS_CONCAT_(cxlab_statusor_, __LINE__), lhs, rexpr)

#define CXLAB_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // CXLAB_ENGINE_STATUS_MACROS_H_
