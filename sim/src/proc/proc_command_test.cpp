// `osgrid sim proc`: fork.py compatibility (OSTEP ch. 5 homework) and the --ops language.
#include <catch2/catch.hpp>

#include "sim_test_support.h"

using osgrid::sim::RunSim;

namespace {
osgrid::Json Solve(std::vector<std::string> args) {
  args.push_back("-c");
  return osgrid::sim::testing::SimOk("proc", args).json;
}
std::string Error(const std::vector<std::string>& args) { return osgrid::sim::testing::SimError("proc", args); }
}  // namespace

// The README of OSTEP's cpu-api homework: ./fork.py -A a+b,b+c,c-,a+d -c
TEST_CASE("fork.py -A example of the README", "[proc][cli][ostep]") {
  auto outcome = RunSim({"proc", "-A", "a+b,b+c,c-,a+d", "-c"});
  REQUIRE(outcome.ok());
  const std::string m(31, ' ');
  const std::string header =
      "\nARG seed -1\nARG fork_percentage 0.7\nARG actions 5\nARG action_list a+b,b+c,c-,a+d\n"
      "ARG show_tree False\nARG just_final False\nARG leaf_only False\nARG local_reparent False\n"
      "ARG print_style fancy\nARG solve True\n\n";
  CHECK(outcome->text == header + "                           Process Tree:\n" + m +
                             "a\n\n"
                             "Action: a forks b\n" +
                             m + "a\n" + m +
                             "\u2514\u2500\u2500 b\n"
                             "Action: b forks c\n" +
                             m + "a\n" + m + "\u2514\u2500\u2500 b\n" + m +
                             "    \u2514\u2500\u2500 c\n"
                             "Action: c EXITS\n" +
                             m + "a\n" + m +
                             "\u2514\u2500\u2500 b\n"
                             "Action: a forks d\n" +
                             m + "a\n" + m + "\u251c\u2500\u2500 b\n" + m + "\u2514\u2500\u2500 d\n");
  const auto& json = outcome->json;
  CHECK(json["mode"] == "fork.py");
  CHECK(json["processes"].size() == 4);
  CHECK(json["processes"][2]["name"] == "c");
  CHECK(json["processes"][2]["reaped"] == true);
  CHECK(json["trace"][2]["message"] == "c EXITS");
  CHECK(json["zombies"].empty());
}

// Golden trees from fork.py (ostep-homework cpu-api/fork.py, run with -c -F):
// by default every descendant of the exiting process moves to the root; with
// -R its children move to its parent and keep their own subtrees.
TEST_CASE("fork.py reparenting: default (all descendants to a) and -R", "[proc][cli][ostep]") {
  const std::string list = "a+b,b+c,c+d,b+e,b-";
  auto flat = Solve({"-A", list, "-F"});
  CHECK(flat["final_tree"] == "a\n\u251c\u2500\u2500 c\n\u251c\u2500\u2500 d\n\u2514\u2500\u2500 e");
  CHECK(flat["options"]["orphans"] == "all");
  CHECK(flat["orphans_reparented"].size() == 3);
  auto local = Solve({"-A", list, "-F", "-R"});
  CHECK(local["final_tree"] == "a\n\u251c\u2500\u2500 c\n\u2502   \u2514\u2500\u2500 d\n\u2514\u2500\u2500 e");
  CHECK(local["processes"][3]["ppid"] == 3);  // d stays with c
  // Unix (Silberschatz 3.3.2): only the children go to init; same shape as -R here, since b's parent is a.
  auto unix_rule = Solve({"-A", list, "-F", "--reparent", "init"});
  CHECK(unix_rule["final_tree"] == local["final_tree"]);
}

TEST_CASE("fork.py -L: an exit with children fails", "[proc][cli][ostep]") {
  auto json = Solve({"-A", "a+b,b+c,b-", "-L"});
  CHECK(json["trace"][2]["ok"] == false);
  CHECK(json["trace"][2]["message"] == "b EXITS (failed: has children)");
  CHECK(json["final_tree"] == "a\n\u2514\u2500\u2500 b\n    \u2514\u2500\u2500 c");
}

TEST_CASE("fork.py without -c asks for the trees, -F for the final one", "[proc][cli][ostep]") {
  auto outcome = RunSim({"proc", "-A", "a+b,b-", "-F"});
  REQUIRE(outcome.ok());
  CHECK(outcome->text.find("Action: b EXITS\n\n                        Final Process Tree?\n") != std::string::npos);
  auto guess = RunSim({"proc", "-A", "a+b", "-t"});
  REQUIRE(guess.ok());
  CHECK(guess->text.find("Action?\n") != std::string::npos);
}

// OSTEP ch. 5, Figure 5.2 (p2.c): the parent waits; the child's status comes back.
TEST_CASE("ops list (--ops): p2.c, the parent blocks in wait() until the child exits", "[proc][cli][ostep]") {
  auto json = Solve({"--ops", "fork init p2; fork p2 child; wait p2; exit child 0"});
  CHECK(json["mode"] == "ops");
  CHECK(json["trace"][2]["ok"] == true);
  CHECK(json["trace"][2]["message"] == "pid 2 (p2) blocks in wait() until a child terminates");
  CHECK(json["trace"][3]["message"] ==
        "pid 3 (child) exits with status 0; wait() in pid 2 (p2) returns pid 3 (child); "
        "pid 2 (p2) reaps pid 3 (child): exit status 0");
  CHECK(json["processes"][1]["state"] == "ready");  // woken: waiting -> ready
  CHECK(json["processes"][2]["reaped"] == true);
  CHECK(json["processes"][2]["exit_status"] == 0);
  CHECK(json["zombies"].empty());
}

// Silberschatz 10e 3.3.2: a zombie until the parent waits; an orphan adopted by init.
TEST_CASE("ops list (--ops): a zombie, then an orphan re-parented to init", "[proc][cli][silberschatz]") {
  const std::string start = "fork init P; fork P C1; fork P C2; exit C1 4";
  auto zombie = Solve({"--ops", start});
  REQUIRE(zombie["zombies"].size() == 1);
  CHECK(zombie["zombies"][0]["name"] == "C1");
  CHECK(zombie["zombies"][0]["exit_status"] == 4);
  CHECK(zombie["zombies"][0]["reason"] == "C1 (pid 3) is a zombie: its parent P (pid 2) has not called wait()");
  CHECK(zombie["processes"][2]["state"] == "terminated");
  CHECK(zombie["processes"][2]["zombie"] == true);
  auto json = Solve({"--ops", start + "; wait P; exit P 0"});
  CHECK(json["zombies"].empty());
  CHECK(json["processes"][3]["ppid"] == 1);  // C2 adopted by init
  REQUIRE(json["orphans_reparented"].size() == 1);
  CHECK(json["orphans_reparented"][0]["name"] == "C2");
  CHECK(json["orphans_reparented"][0]["from"] == 2);
  CHECK(json["orphans_reparented"][0]["to"] == 1);
  CHECK(json["final_tree"] == "init (1) ready\n\u2514\u2500\u2500 C2 (4) ready");
}

TEST_CASE("ops list (--ops): an impossible call fails in the trace, like a system call", "[proc][cli]") {
  auto json = Solve({"--ops", "fork init A; wait A; kill init; fork A B; wait A; fork A C"});
  CHECK(json["trace"][1]["ok"] == false);
  CHECK(json["trace"][1]["message"] == "wait: pid 2 (A) has no children (ECHILD)");
  CHECK(json["trace"][2]["ok"] == false);
  CHECK(json["trace"][2]["message"] == "kill: pid 1 (init) is init: it cannot be killed (EPERM)");
  CHECK(json["trace"][4]["ok"] == true);  // A blocks in wait()
  CHECK(json["trace"][5]["ok"] == false);
  CHECK(json["trace"][5]["message"] ==
        "fork: pid 2 (A) is waiting (blocked in wait() until a child terminates): it cannot run");
}

TEST_CASE("ops list (--ops): killpg kills exactly the group, exec and setpgid", "[proc][cli]") {
  auto json = Solve({"--ops",
                     "fork init sh; fork sh A; fork A B; fork sh C; setpgid A 0; setpgid B A; "
                     "exec B ls; killpg A SIGKILL; wait sh"});
  // processes: init, sh (2), A (3), B (4), C (5)
  CHECK(json["processes"][3]["program"] == "ls");
  CHECK(json["processes"][3]["pgid"] == 3);
  CHECK(json["processes"][2]["killed_by"] == "SIGKILL");
  CHECK(json["processes"][3]["killed_by"] == "SIGKILL");
  CHECK(json["processes"][4]["killed_by"].is_null());
  CHECK(json["processes"][4]["state"] == "ready");
  CHECK(json["processes"][4]["pgid"] == 1);
  CHECK(json["trace"][8]["message"] ==
        "wait() in pid 2 (sh) returns pid 3 (A) at once; "
        "pid 2 (sh) reaps pid 3 (A): killed by SIGKILL");
}

TEST_CASE("bad input names the op and its position", "[proc][cli]") {
  CHECK(Error({"--ops", "fork init A; frok A B"}) ==
        "--ops op 2 'frok A B': unknown op 'frok' (use fork, exit, wait, kill, killpg, exec, setpgid, block, "
        "wake, run, preempt)");
  CHECK(Error({"--ops", "fork init A; exit A; fork A B"}) ==
        "--ops op 3 'fork A B': A (pid 2) has terminated and can make no more calls");
  CHECK(Error({"--ops", "fork X A"}) ==
        "--ops op 1 'fork X A': no process called 'X' (names are given by fork; pid 1 is 'init')");
  CHECK(Error({"--ops", "fork init A; fork init A"}) ==
        "--ops op 2 'fork init A': there is already a process called 'A'");
  CHECK(Error({"--ops", "fork init A; exit A 300"}) ==
        "--ops op 2 'exit A 300': exit status must be an integer 0..255, got '300'");
  CHECK(Error({"--ops", "kill init HUP"}) ==
        "--ops op 1 'kill init HUP': unknown signal 'HUP' (use SIGTERM/15 or SIGKILL/9)");
  CHECK(Error({"--ops", "wait"}) == "--ops op 1 'wait': expected 'wait PARENT [CHILD]'");
  CHECK(Error({"-A", "a+b,bc"}) == "-A action 2 'bc': must be X+Y (X forks Y) or X- (X exits), X and Y process names");
  CHECK(Error({"-A", "a+b,b-,b+c"}) == "-A action 3 'b+c': b (pid 2) has terminated and can make no more calls");
  CHECK(Error({"-A", "a-"}) == "-A action 1 'a-': a is the initial process (init): it cannot exit");
  CHECK(Error({"-A", "a+b", "--ops", "fork init A"}) == "give either -A (fork.py actions) or --ops, not both");
  CHECK(Error({"-A", "a+b", "-P", "pretty"}) == "-P (print style): 'pretty' is not one of basic, line1, line2, fancy");
  CHECK(Error({"-f", "0"}) == "-f (fork percentage): must be > 0.001, got 0");
  CHECK(Error({"-A", "a+b", "-f", "0.001"}) == "-f (fork percentage): must be > 0.001, got 0.001");  // as fork.py
  CHECK(Error({"-f", "nan"}) == "-f (fork percentage): must be > 0.001, got nan");
  CHECK(Error({"-a", "five"}) == "-a (actions): 'five' is not an integer");
  CHECK(Error({"-a", "2000000"}).find("at most 1000000") != std::string::npos);
}

TEST_CASE("random problems: one seed, one problem, --rich has the full API", "[proc][cli]") {
  auto first = Solve({"-s", "3", "-a", "12"});
  auto again = Solve({"-s", "3", "-a", "12"});
  CHECK(first == again);
  CHECK(first["mode"] == "fork.py");
  CHECK(first["trace"].size() == 12);
  CHECK(first["seed"] == 3);
  CHECK(Solve({"-s", "4", "-a", "12"})["input"] != first["input"]);
  auto rich = Solve({"-s", "3", "-a", "12", "--rich"});
  CHECK(rich["mode"] == "ops");
  CHECK(rich["trace"].size() == 12);
  for (const auto& step : rich["trace"]) CHECK(step["ok"] == true);
}

TEST_CASE("random fork.py problems draw fork.py's actions from the seed", "[proc][cli][ostep]") {
  // python3 fork.py -s 1 -a 12: a+b, a+c, c+d, a+e, c-, d+f, f+g, e+h, d-, e+i, b+j, f+k
  const auto json = Solve({"-s", "1", "-a", "12", "-F"});
  CHECK(json["input"] ==
        osgrid::Json::array({"a+b", "a+c", "c+d", "a+e", "c-", "d+f", "f+g", "e+h", "d-", "e+i", "b+j", "f+k"}));
  // -f is a probability, as in fork.py: 70 means every action is a fork.
  const auto forks = Solve({"-s", "2", "-a", "20", "-f", "70"});  // named: a temporary's member dies before the loop
  REQUIRE(forks["input"].size() == 20);
  for (const auto& op : forks["input"]) {
    CHECK(op.get<std::string>().find('+') != std::string::npos);
  }
  auto seventy = RunSim({"proc", "-s", "2", "-a", "3", "-f", "70"});
  REQUIRE(seventy.ok());
  CHECK(seventy->text.find("\nARG fork_percentage 70.0\n") != std::string::npos);  // Python's str() of a float
}

TEST_CASE("without -s a random fork.py problem uses seed 0, and ARG seed echoes fork.py's -1", "[proc][cli]") {
  auto unseeded = RunSim({"proc", "-a", "8", "-c"});
  auto zero = RunSim({"proc", "-s", "0", "-a", "8", "-c"});
  auto minus_one = RunSim({"proc", "-s", "-1", "-a", "8", "-c"});
  REQUIRE(unseeded.ok());
  REQUIRE(zero.ok());
  REQUIRE(minus_one.ok());
  CHECK(unseeded->text.rfind("\nARG seed -1\n", 0) == 0);
  CHECK(zero->text.rfind("\nARG seed 0\n", 0) == 0);
  CHECK(unseeded->text.substr(unseeded->text.find("ARG fork")) == zero->text.substr(zero->text.find("ARG fork")));
  CHECK(minus_one->text == unseeded->text);  // -s -1 is fork.py's "no seed"
  CHECK(unseeded->json["seed"] == 0);
}

TEST_CASE("a long fork.py run: names grow to two letters, -F prints the final tree only", "[proc][cli]") {
  auto outcome = RunSim({"proc", "-s", "5", "-a", "3000", "-F", "-c"});
  REQUIRE(outcome.ok());
  const std::string& text = outcome->text;
  CHECK(text.find("Action: a forks b\n") != std::string::npos);
  CHECK(text.find(" forks aa\n") != std::string::npos);  // after b..Z, fork.py's names get a second letter
  CHECK(text.find("\n                        Final Process Tree:\n                               a\n") !=
        std::string::npos);
  CHECK(outcome->json["trace"].size() == 3000);
  CHECK_FALSE(outcome->json["trace"][0].contains("tree"));  // -F: only the final tree, in JSON too
  CHECK(outcome->json["final_tree"].get<std::string>().rfind("a\n", 0) == 0);
  CHECK(Solve({"-s", "5", "-a", "3"})["trace"][0].contains("tree"));
}

TEST_CASE("proc --json streams its keys in a fixed order", "[proc][cli]") {
  CHECK(osgrid::sim::testing::StreamedJson("proc", {"-A", "a+b,b-"}) ==
        R"J({"mode":"fork.py","input":["a+b","b-"],"options":{"orphans":"all","reap_at_once":true,)J"
        R"J("leaf_only":false},"initial_tree":"a","trace":[{"op":"a+b","ok":true,"message":"a forks b",)J"
        R"J("events":["pid 1 (a) forks pid 2 (b)","pid 2 (b): new -> ready (admit)"],"tree":"a\n└── b"},)J"
        R"J({"op":"b-","ok":true,"message":"b EXITS","events":["pid 1 (a): running -> ready (preempt)",)J"
        R"J("pid 2 (b): ready -> running (dispatch)","pid 2 (b) exits with status 0",)J"
        R"J("pid 2 (b): running -> terminated (exit)","pid 1 (a) reaps pid 2 (b): exit status 0"],"tree":"a"}],)J"
        R"J("processes":[{"pid":1,"ppid":0,"pgid":1,"name":"a","program":"init","state":"ready",)J"
        R"J("exit_status":null,"killed_by":null,"zombie":false,"reaped":false},{"pid":2,"ppid":1,"pgid":1,)J"
        R"J("name":"b","program":"init","state":"terminated","exit_status":0,"killed_by":null,"zombie":false,)J"
        R"J("reaped":true}],"zombies":[],"orphans_reparented":[],"final_tree":"a"})J");
}

TEST_CASE("summary, brief and picture", "[proc][cli]") {
  auto outcome = RunSim({"proc", "--ops", "fork init P; fork P C1; fork P C2; exit C1; exit P", "-c"});
  REQUIRE(outcome.ok());
  const auto* topic = osgrid::sim::FindTopic("proc");
  REQUIRE(topic != nullptr);
  CHECK(topic->policy_flag.empty());
  using Row = std::vector<std::pair<std::string, std::string>>;
  CHECK(topic->summarize(outcome->json) == Row{{"processes", "2"}, {"zombies", "0"}, {"orphans", "2"}});
  CHECK(topic->brief(outcome->json) == "init (1) ready\n\u2514\u2500\u2500 C2 (4) ready");
  CHECK(outcome->svg.find("<svg") != std::string::npos);
  CHECK(outcome->svg.find("C2 (4)") != std::string::npos);
}
