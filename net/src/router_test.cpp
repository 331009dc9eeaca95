// The Router on its own, with a session that records what it is sent.
#include <catch2/catch.hpp>

#include "osgrid/net/messages.h"
#include "osgrid/net/router.h"

using namespace osgrid;
using namespace osgrid::net;

namespace {

/// A session that keeps what handlers send, with the access the test gives it.
class RecordingSession final : public Session {
 public:
  explicit RecordingSession(Access access) : access_(access) {}
  void Send(Json message) override { sent.push_back(std::move(message)); }
  void ReceiveUpload(const Json&, std::uint64_t, std::string, std::shared_ptr<UploadSink>) override {}
  void SendDownload(const Json&, std::shared_ptr<DownloadSource>) override {}
  void ReplyFromFileThread(const Json&, std::function<Result<Json>()>) override {}
  void StartStream(const Json&, std::shared_ptr<FrameSource>) override {}
  void WakeStream() override {}
  void EndStream(const Status&) override {}
  void Close() override {}
  bool closed() const override { return false; }
  std::string remote_address() const override { return "127.0.0.1:1"; }
  std::string remote_ip() const override { return "127.0.0.1"; }
  const std::string& remote_role() const override { return role_; }
  Access access() const override { return access_; }

  std::vector<Json> sent;

 private:
  Access access_;
  std::string role_ = "client";
};

}  // namespace

TEST_CASE("the router calls the handler of the request's type", "[router]") {
  Router router;
  std::vector<std::string> called;
  REQUIRE(router.Add("GET_MEM", [&](const SessionPtr&, const Json& r) { called.push_back(r["key"]); }).ok());
  REQUIRE(router
              .Add(
                  "STATUS",
                  [&](const SessionPtr& s, const Json& r) {
                    s->Reply(r, {{"type", "STATUS_REPLY"}});
                  },
                  Access::kObserver)
              .ok());
  CHECK(router.types() == std::vector<std::string>{"GET_MEM", "STATUS"});

  auto member = std::make_shared<RecordingSession>(Access::kMember);
  router.Route(member, {{"type", "GET_MEM"}, {"id", 1}, {"key", "k"}});
  CHECK(called == std::vector<std::string>{"k"});
  router.AsRequestHandler()(member, {{"type", "STATUS"}, {"id", 2}});
  REQUIRE(member->sent.size() == 1);
  CHECK(member->sent[0] == Json{{"type", "STATUS_REPLY"}, {"id", 2}});

  // A type in the catalogue that this server does not route.
  router.Route(member, {{"type", "DEL_MEM"}, {"id", 3}, {"key", "k"}});
  REQUIRE(member->sent.size() == 2);
  CHECK(StatusFromReply(member->sent[1]).code() == Code::kUnknownType);
  CHECK(member->sent[1]["message"] == "DEL_MEM is not served here");
  CHECK(member->sent[1]["id"] == 3);
}

TEST_CASE("an observer may call only the routes marked for observers", "[router]") {
  Router router;
  int writes = 0, reads = 0;
  REQUIRE(router.Add("SET_MEM", [&](const SessionPtr&, const Json&) { ++writes; }).ok());
  REQUIRE(router
              .Add(
                  "LIST_MEM", [&](const SessionPtr&, const Json&) { ++reads; }, Access::kObserver)
              .ok());
  auto observer = std::make_shared<RecordingSession>(Access::kObserver);
  router.Route(observer, {{"type", "SET_MEM"}, {"id", 1}, {"key", "k"}, {"value", 1}});
  router.Route(observer, {{"type", "LIST_MEM"}, {"id", 2}});
  CHECK(writes == 0);
  CHECK(reads == 1);
  REQUIRE(observer->sent.size() == 1);
  CHECK(StatusFromReply(observer->sent[0]).code() == Code::kForbidden);
  CHECK(observer->sent[0]["id"] == 1);
  CHECK(observer->sent[0]["message"] ==
        "SET_MEM needs the cluster secret: this connection holds the observer credential, which may only watch "
        "(PING, LIST_MEM)");
}

TEST_CASE("a route must name a catalogue type the session does not answer itself, once", "[router]") {
  Router router;
  auto nothing = [](const SessionPtr&, const Json&) {};
  CHECK(router.Add("FROBNICATE", nothing).code() == Code::kBadRequest);
  CHECK(router.Add("HELLO", nothing).code() == Code::kBadRequest);
  CHECK(router.Add("PING", nothing).code() == Code::kBadRequest);
  CHECK(router.Add("GET_MEM", nullptr).code() == Code::kInternal);
  CHECK(router.Add("GET_MEM", nothing).ok());
  CHECK(router.Add("GET_MEM", nothing).code() == Code::kInternal);
  CHECK(router.types() == std::vector<std::string>{"GET_MEM"});
}
