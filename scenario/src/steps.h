// Private to scenario/: executing one scenario step against a LocalCluster.
//
// Each action has one function in steps.cpp that sends its request(s),
// prints what happened (indented under the step's header line) and returns a
// StepResult. Checking `expect:` against that result is checks.cpp's job;
// a step adds its own checks only for what it verifies by itself (file_get:
// the SHA-256 of what came back; wait_dead: that the tracker noticed in time).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "osgrid/client/ops.h"
#include "osgrid/client/text.h"
#include "osgrid/net/json.h"
#include "osgrid/net/status.h"
#include "osgrid/scenario/cluster.h"
#include "osgrid/scenario/scenario.h"

namespace osgrid::scenario {

/// One ✓ or ✗ line of the report.
struct Check {
  bool passed = false;
  std::string text;  // "result: 144", "result: expected 144, got 145"
};

/// What a step produced.
struct StepResult {
  Status status;              // ok, or why the step failed
  Json reply;                 // the (last) reply, when ok; expectations look at it
  std::vector<Check> checks;  // the step's own checks
};

/// What steps share during one run.
struct StepContext {
  using Clock = std::chrono::steady_clock;

  LocalCluster* cluster;  // nullptr when the scenario needs none (only say, sleep, sim)
  std::ostream& out;
  bool verbose = false;
  std::string files_dir;                               // where file_put/file_get keep local copies
  std::map<std::string, std::string> put_sha256;       // "peer-3/lecture.bin" -> hex, from file_put
  std::map<std::string, Clock::time_point> killed_at;  // peer -> when kill_peer killed it

  static constexpr const char* kIndent = "       ";  // detail lines sit under the step's header

  /// A new connection to `node` ("tracker" or a peer name).
  /// Errors: NOT_FOUND (no such node), UNAVAILABLE (no cluster), the connection's.
  Result<std::unique_ptr<net::Client>> Connect(const std::string& node, std::chrono::milliseconds timeout);
  /// Runs `op`, an operation of client/ops.h, on a new connection to `node`
  /// and returns what it returns; with `verbose` prints `what` and the node's reply.
  template <class Op>
  auto On(const std::string& node, const std::string& what, Op op) -> decltype(op(std::declval<net::Client&>()));

 private:
  void Trace(const std::string& line);
  static const Json& Raw(const Json& reply) { return reply; }
  template <class T>
  static const Json& Raw(const client::Reply<T>& reply) {
    return reply.raw;
  }
};

template <class Op>
auto StepContext::On(const std::string& node, const std::string& what, Op op)
    -> decltype(op(std::declval<net::Client&>())) {
  if (verbose) Trace(what + " on " + node);
  auto client = Connect(node, client::kDefaultSlack);
  if (!client.ok()) return client.status();
  auto reply = op(**client);
  if (verbose && reply.ok()) Trace("reply: " + client::ShortJson(Raw(*reply), 160));
  return reply;
}

/// The step's header, after its number: "cpu on peer-1: main(12)".
std::string Describe(const Action& action);

/// Runs one action, printing its details to context.out.
StepResult Execute(const Action& action, StepContext& context);

/// Checks `expect` against what a step produced; one Check per expectation.
/// When the step failed and no error was expected, every expectation fails.
std::vector<Check> CheckExpectation(const Expectation& expect, const Action& action, const StepResult& result);

}  // namespace osgrid::scenario
