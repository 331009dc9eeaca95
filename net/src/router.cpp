// Router: see router.h.
#include "osgrid/net/router.h"

#include "osgrid/net/messages.h"

namespace osgrid::net {

Status Router::Add(std::string_view type, Handler handler, Access access) {
  const std::string name(type);
  if (FindSpec(type) == nullptr) return Status::BadRequest("cannot route '" + name + "': not in the catalogue");
  if (type == "HELLO" || type == "AUTH" || type == "PING") {
    return Status::BadRequest("cannot route " + name + ": the session answers it");
  }
  if (!handler) return Status::Internal("route for " + name + " has no handler");
  if (!routes_.emplace(name, Entry{std::move(handler), access}).second) {
    return Status::Internal(name + " is routed twice");
  }
  return Status::Ok();
}

void Router::Route(const SessionPtr& session, const Json& request) const {
  const std::string& type = request["type"].get_ref<const std::string&>();
  auto route = routes_.find(type);
  if (route == routes_.end()) {
    return session->ReplyError(request, Status(Code::kUnknownType, type + " is not served here"));
  }
  if (session->access() < route->second.access) return session->ReplyError(request, Forbidden(type));
  route->second.handler(session, request);
}

Status Router::Forbidden(const std::string& type) const {
  std::string allowed = "PING";  // the session answers it, for everyone
  for (const auto& [name, entry] : routes_) {
    if (entry.access == Access::kObserver) allowed += ", " + name;
  }
  return Status(Code::kForbidden, type +
                                      " needs the cluster secret: this connection holds the observer credential, "
                                      "which may only watch (" +
                                      allowed + ")");
}

RequestHandler Router::AsRequestHandler() const {
  return [this](const SessionPtr& session, Json request) { Route(session, request); };
}

std::vector<std::string> Router::types() const {
  std::vector<std::string> names;
  names.reserve(routes_.size());
  for (const auto& [name, entry] : routes_) names.push_back(name);
  return names;
}

}  // namespace osgrid::net
