// CallChannel: what a task may send on its system-call socket, and what the
// peer answers, over a real SOCK_SEQPACKET pair (the test plays the task).
#include "call_channel.h"

#include <utility>  // before Boost.Asio: GCC 12 + C++20 (docs/toolchain.md)

#include <sys/socket.h>
#include <unistd.h>

#include <csignal>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "seqpacket.h"

using osgrid::Json;
using osgrid::peer::CallChannel;
using osgrid::peer::kCallChunkBytes;
using osgrid::peer::kMaxCallBytes;
using osgrid::peer::UniqueFd;

namespace {

/// A channel on one end of a socket pair; the test holds the task's end.
struct Pair {
  boost::asio::io_context io;
  UniqueFd task;
  std::shared_ptr<CallChannel> channel;
  std::vector<Json> calls;

  Pair() {
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) == 0);
    task.reset(fds[1]);
    channel = std::make_shared<CallChannel>(io, UniqueFd(fds[0]), [this](Json call) {
      calls.push_back(call);
      channel->Reply({{"ok", true}, {"echo", call}});
    });
    channel->Start();
  }

  void Send(const std::string& text) {
    for (const std::string& packet : CallChannel::Packets(text)) {
      REQUIRE(send(task.get(), packet.data(), packet.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(packet.size()));
      io.poll();  // the peer reads as the task writes, as it would live
    }
  }

  /// The next whole reply, reassembled from its packets.
  Json Receive() {
    std::string text;
    std::vector<char> buffer(kCallChunkBytes + 1);
    for (int spins = 0; spins < 1000; ++spins) {
      io.poll();
      ssize_t size = recv(task.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (size <= 0) {
        usleep(1000);
        continue;
      }
      text.append(buffer.data() + 1, static_cast<std::size_t>(size) - 1);
      if (buffer[0] == 'E') return Json::parse(text);
    }
    FAIL("no reply");
    return Json();
  }
};

}  // namespace

TEST_CASE("a call is handed on, and its reply comes back whole", "[unit][calls]") {
  Pair pair;
  pair.Send(R"({"call":"getpid"})");
  Json reply = pair.Receive();
  CHECK(reply["ok"] == true);
  CHECK(reply["echo"]["call"] == "getpid");
  REQUIRE(pair.calls.size() == 1);

  // A call bigger than a packet, and a reply bigger than one: both cut and rejoined.
  const std::string big(3 * kCallChunkBytes + 17, 'x');
  pair.Send(Json{{"call", "submit"}, {"args", {big}}}.dump());
  reply = pair.Receive();
  CHECK(reply["echo"]["args"][0] == big);
}

TEST_CASE("what is not a call gets a clear refusal and reaches nobody", "[unit][calls]") {
  Pair pair;
  pair.Send("not json");
  Json reply = pair.Receive();
  CHECK(reply["ok"] == false);
  CHECK(reply["code"] == "BAD_REQUEST");
  pair.Send(R"({"call": 7})");
  CHECK(pair.Receive()["code"] == "BAD_REQUEST");
  pair.Send(R"([1, 2])");
  CHECK(pair.Receive()["code"] == "BAD_REQUEST");

  // A packet without a flag the protocol knows: its message is dropped.
  const std::string odd = "X{\"call\":\"getpid\"}";
  REQUIRE(send(pair.task.get(), odd.data(), odd.size(), MSG_NOSIGNAL) > 0);
  pair.Send(R"({"call":"getppid"})");
  CHECK(pair.Receive()["code"] == "LIMIT");
  CHECK(pair.calls.empty());

  // Still in service after all that.
  pair.Send(R"({"call":"getpid"})");
  CHECK(pair.Receive()["ok"] == true);
}

TEST_CASE("a call over the size limit is refused without being kept", "[unit][calls]") {
  Pair pair;
  pair.Send(Json{{"call", "submit"}, {"args", {std::string(kMaxCallBytes, 'y')}}}.dump());
  Json reply = pair.Receive();
  CHECK(reply["code"] == "LIMIT");
  CHECK(pair.calls.empty());
}

TEST_CASE("descriptors a task passes are closed, not kept", "[unit][calls]") {
  Pair pair;
  int pipe_fds[2];
  REQUIRE(pipe(pipe_fds) == 0);
  const std::string packet = std::string("E") + R"({"call":"getpid"})";
  REQUIRE(osgrid::peer::SendPacket(pair.task.get(), packet.data(), packet.size(), &pipe_fds[0], 1) == 0);
  close(pipe_fds[0]);
  pair.io.poll();
  CHECK(pair.Receive()["ok"] == true);
  // The peer closed its copy of the read end: writing now fails with EPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  CHECK(write(pipe_fds[1], "x", 1) < 0);
  close(pipe_fds[1]);
}
