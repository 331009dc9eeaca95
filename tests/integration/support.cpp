#include "support.h"

#include "osgrid/net/events.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <thread>

extern char** environ;

namespace osgrid::test {

namespace fs = std::filesystem;

scenario::ClusterOptions TestClusterOptions(int peers, double peer_timeout_s) {
  scenario::ClusterOptions options;
  options.peers = peers;
  options.cores = 2;
  options.heartbeat_interval_s = 0.3;
  options.peer_timeout_s = peer_timeout_s;
  return options;
}

std::unique_ptr<scenario::LocalCluster> StartCluster(int peers, double peer_timeout_s) {
  return StartCluster(TestClusterOptions(peers, peer_timeout_s));
}

std::unique_ptr<scenario::LocalCluster> StartCluster(const scenario::ClusterOptions& options) {
  auto cluster = scenario::LocalCluster::Start(options);
  INFO(cluster.status().ToString() << "\n" << cluster.status().detail());
  REQUIRE(cluster.ok());
  return std::move(cluster).value();
}

std::unique_ptr<net::Client> Connect(std::uint16_t port) {
  auto client = net::Client::Connect("127.0.0.1", port);
  INFO(client.status().ToString());
  REQUIRE(client.ok());
  return std::move(client).value();
}

Watcher Watch(std::uint16_t port, std::vector<std::string> types, std::size_t queue_bytes) {
  return Watch(Connect(port), std::move(types), queue_bytes);
}

Watcher Watch(std::unique_ptr<net::Client> client, std::vector<std::string> types, std::size_t queue_bytes) {
  REQUIRE(client != nullptr);
  Watcher watcher{std::move(client), nullptr};
  auto subscribed = net::Subscriber::Start(*watcher.client, {std::move(types), queue_bytes, "test"});
  INFO(subscribed.status().ToString());
  REQUIRE(subscribed.ok());
  watcher.events = std::make_unique<net::Subscriber>(std::move(subscribed).value());
  return watcher;
}

os::events::Event AwaitEvent(Watcher& watcher, const std::function<bool(const os::events::Event&)>& match,
                             const std::string& what, double timeout_s) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<int>(timeout_s * 1000));
  std::deque<std::string> recent;  // the last events seen, for the failure message
  while (Clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    auto event = watcher.events->Next(std::max(left, std::chrono::milliseconds(1)));
    if (!event.ok() && event.status().code() == Code::kTimeout) break;
    INFO("waiting for " << what << ": " << event.status().ToString());
    REQUIRE(event.ok());
    if (match(*event)) return *event;
    recent.push_back(net::DumpEvent(*event));
    if (recent.size() > 8) recent.pop_front();
  }
  std::string seen;
  for (const std::string& line : recent) seen += "\n  " + line;
  FAIL("no " << what << " within " << timeout_s << " s; the last events seen:" << (seen.empty() ? " none" : seen));
  return {};
}

os::events::PeerLoad AwaitLoad(Watcher& watcher, const std::string& peer,
                               const std::function<bool(const os::events::PeerLoad&)>& match, const std::string& what,
                               double timeout_s) {
  os::events::Event event = AwaitEvent(
      watcher,
      [&](const os::events::Event& e) {
        auto* load = std::get_if<os::events::PeerLoad>(&e.body);
        return load != nullptr && load->peer == peer && match(*load);
      },
      "peer.load of " + peer + " with " + what, timeout_s);
  auto* load = std::get_if<os::events::PeerLoad>(&event.body);
  return load != nullptr ? *load : os::events::PeerLoad{};
}

std::uint16_t PortOf(const scenario::LocalCluster& cluster, const std::string& peer) {
  auto node = cluster.Peer(peer);
  REQUIRE(node.has_value());
  return node->port;
}

Json MustCall(net::Client& client, Json request) {
  auto reply = client.Call(std::move(request));
  INFO(reply.status().ToString() << "\n" << reply.status().detail());
  REQUIRE(reply.ok());
  return std::move(reply).value();
}

static std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

CommandResult RunOsgrid(const std::vector<std::string>& args) { return RunProgram(BinPath("osgrid"), args); }

std::string BinPath(const std::string& name) { return fs::read_symlink("/proc/self/exe").parent_path() / name; }

/// This process's environment ("NAME=value" each) with `extra_env` added and
/// the variables named in `unset_env` removed.
static std::vector<std::string> EnvironmentWith(const std::vector<std::string>& extra_env,
                                                const std::vector<std::string>& unset_env = {}) {
  std::vector<std::string> env_strings;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    bool drop = false;
    for (const std::string& name : unset_env) drop = drop || text.rfind(name + "=", 0) == 0;
    if (!drop) env_strings.emplace_back(text);
  }
  env_strings.insert(env_strings.end(), extra_env.begin(), extra_env.end());
  return env_strings;
}

CommandResult RunProgram(const std::string& program, const std::vector<std::string>& args,
                         const std::vector<std::string>& extra_env, const std::vector<std::string>& unset_env,
                         double timeout_s) {
  TempDir dir;
  std::string out_path = dir.path + "/out", err_path = dir.path + "/err";
  std::string binary = program;
  std::vector<std::string> env_strings = EnvironmentWith(extra_env, unset_env);
  std::vector<char*> envp;
  for (std::string& text : env_strings) envp.push_back(text.data());
  envp.push_back(nullptr);
  std::vector<char*> argv{binary.data()};
  std::vector<std::string> copies(args);
  for (auto& arg : copies) argv.push_back(arg.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE(rc == 0);
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<long>(timeout_s * 1000));
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      FAIL_CHECK(program << " was still running after " << timeout_s << " s; killed");
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = Slurp(out_path);
  result.err = Slurp(err_path);
  return result;
}

std::string SleepProgram() {
  return "import time\n"
         "def main(seconds):\n"
         "    time.sleep(seconds)\n"
         "    return seconds\n";
}

std::string BurnProgram() {
  return "import time\n"
         "def main(ms):\n"
         "    end = time.process_time() + ms / 1000\n"
         "    while time.process_time() < end:\n"
         "        pass\n"
         "    return ms\n";
}

std::uint16_t FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  close(fd);
  return ntohs(address.sin_port);
}

CommandResult At(std::uint16_t port, std::vector<std::string> args) {
  args.push_back("--port");
  args.push_back(std::to_string(port));
  return RunOsgrid(args);
}

Json JsonOut(const CommandResult& result) {
  INFO("stdout: " << result.out << "\nstderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  Json parsed = Json::parse(result.out, nullptr, false);
  REQUIRE_FALSE(parsed.is_discarded());
  return parsed;
}

Json AwaitStatus(net::Client& client, const std::function<bool(const Json&)>& done, const std::string& what) {
  Json status;
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(30)) {
    status = MustCall(client, {{"type", "STATUS"}});
    if (done(status)) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  FAIL("never saw " << what << "; last STATUS: " << status.dump());
  return status;
}

PeerProcess::PeerProcess(std::vector<std::string> argv, std::string log_path, std::vector<std::string> extra_env)
    : log_path_(std::move(log_path)) {
  std::vector<char*> raw;
  for (std::string& arg : argv) raw.push_back(arg.data());
  raw.push_back(nullptr);
  std::vector<std::string> env_strings = EnvironmentWith(extra_env);
  std::vector<char*> envp;
  for (std::string& text : env_strings) envp.push_back(text.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  int spawned = posix_spawn(&pid_, raw[0], &actions, nullptr, raw.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  INFO("starting " << argv[0]);
  REQUIRE(spawned == 0);
}

PeerProcess::~PeerProcess() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
}

std::unique_ptr<net::Client> PeerProcess::Connect(std::uint16_t port) const {
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto connected = net::Client::Connect("127.0.0.1", port);
    if (connected.ok()) return std::move(connected).value();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL("the peer did not listen on port " << port << " within 10 s; its log:\n" << Log());
  return nullptr;
}

std::string PeerProcess::Log() const { return Slurp(log_path_); }

std::unique_ptr<PeerProcess> StartTracker(std::uint16_t port, const std::string& log,
                                          const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {
      BinPath("osgrid-tracker"), "--host", "127.0.0.1",      "--port", std::to_string(port),
      "--heartbeat-interval",    "0.3",    "--peer-timeout", "1.5",    "--exit-with-parent"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto tracker = std::make_unique<PeerProcess>(argv, log);
  tracker->Connect(port);  // waits until it listens
  return tracker;
}

std::unique_ptr<PeerProcess> StartPeer(const std::string& name, std::uint16_t port, std::uint16_t tracker,
                                       const TempDir& dir) {
  return std::make_unique<PeerProcess>(
      std::vector<std::string>{BinPath("osgrid-peer"), "--host", "127.0.0.1", "--port", std::to_string(port),
                               "--tracker", "127.0.0.1:" + std::to_string(tracker), "--name", name, "--cores", "2",
                               "--storage", dir.path + "/" + name, "--heartbeat-interval", "0.3", "--exit-with-parent"},
      dir.path + "/" + name + ".log");
}

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "osgrid-test-XXXXXX").string();
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  path = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path, ec);
}

std::string ProgramFile(const std::string& file) {
  std::ifstream in(std::string(OSGRID_SOURCE_DIR) + "/scenarios/programs/" + file);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Submitted SendTask(std::uint16_t port, const net::CpuTaskRequest& request) {
  Json frame = net::Encode(request);
  frame["id"] = 1;
  Submitted submitted{Connect(port), request.task.name};
  REQUIRE(submitted.client->SendJson(frame).ok());
  return submitted;
}

Json AwaitResult(Submitted& submitted) {
  auto reply = submitted.client->ReadJson(std::chrono::seconds(60));
  INFO(submitted.name << ": " << reply.status().ToString());
  REQUIRE(reply.ok());
  INFO(reply->dump());
  REQUIRE((*reply)["type"] == "CPU_RESULT");
  return *reply;
}

}  // namespace osgrid::test
