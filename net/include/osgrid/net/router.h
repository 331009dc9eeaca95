// The request router: the table of request type -> handler that a server
// (tracker or peer) dispatches through, one entry per type it serves (Redis's
// command table). The Session has already checked the request against the
// catalogue (messages.h) and answered HELLO, AUTH and PING itself.
//
//   net::Router router;
//   router.Add("STATUS", [this](const SessionPtr& s, const Json& r) { OnStatus(s, r); }, Access::kObserver);
//   net::Server server(io, options, router.AsRequestHandler());
//
// A handler answers through the session, now or later (Session::Reply), and
// may keep the SessionPtr to send more: a streaming request (a later
// SUBSCRIBE) is a handler that sends its first reply, keeps the session, and
// sends each further frame with the request's id until session->closed().
// Handlers run on the io thread and must not block (server.h).
#pragma once

#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "osgrid/net/json.h"
#include "osgrid/net/server.h"
#include "osgrid/net/status.h"

namespace osgrid::net {

class Router {
 public:
  using Handler = std::function<void(const SessionPtr& session, const Json& request)>;

  /// Routes `type` to `handler`; callers whose access is below `access` are
  /// refused (Access::kMember: members only; Access::kObserver: observers
  /// too, for requests that only read). Errors (nothing is added):
  /// BAD_REQUEST for a type not in the catalogue, or one that must not be
  /// routed (HELLO, AUTH, PING: the session answers them); INTERNAL for a
  /// type routed twice, or an empty handler.
  Status Add(std::string_view type, Handler handler, Access access = Access::kMember);

  /// Calls the handler of request["type"]. REQUIRES: `request` passed
  /// ValidateRequest(). A type with no route is answered UNKNOWN_TYPE ("X
  /// is not served here"); a caller whose access is below the route's,
  /// FORBIDDEN ("X needs the cluster secret: this connection holds the
  /// observer credential, which may only watch (PING, PEER_LIST, STATUS)",
  /// listing the routes open to observers). Either way the connection stays
  /// open.
  void Route(const SessionPtr& session, const Json& request) const;

  /// Route() as a RequestHandler for net::Server. The Router must outlive
  /// the server that calls it.
  RequestHandler AsRequestHandler() const;

  /// The routed types, in alphabetical order.
  std::vector<std::string> types() const;

 private:
  struct Entry {
    Handler handler;
    Access access;
  };
  /// The refusal of `type` to an observer.
  Status Forbidden(const std::string& type) const;

  std::map<std::string, Entry, std::less<>> routes_;
};

/// One row of a server's table of requests whose handlers are member
/// functions of `Owner` (the tracker's or the peer's Impl).
template <class Owner>
struct MemberRoute {
  std::string_view type;
  void (Owner::*handler)(const SessionPtr&, const Json&);
  Access access = Access::kMember;
};

/// Adds every row of `routes` to `router`, each calling its member function
/// on `owner` (which must outlive the router). Stops at the first error of
/// Router::Add and returns it.
template <class Owner>
Status AddMemberRoutes(Router& router, Owner* owner, std::initializer_list<MemberRoute<Owner>> routes) {
  for (const MemberRoute<Owner>& route : routes) {
    auto call = [owner, handler = route.handler](const SessionPtr& session, const Json& request) {
      (owner->*handler)(session, request);
    };
    if (Status s = router.Add(route.type, std::move(call), route.access); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace osgrid::net
