// `osgrid sim`: the shared part of every topic; see osgrid/sim/sim.h and topic.h.
#include "osgrid/sim/sim.h"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <iostream>
#include <memory>
#include <utility>

#include "sim_trace.h"
#include "topic.h"

namespace osgrid::sim {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;

void AddCommonOptions(CLI::App& command, CommonOptions& common, const Topic& topic) {
  command.add_flag("-c,--solve", common.solve, "Print the answers too (without it: the problem only, to practise)")
      ->group("Common");
  command.add_option("-s,--seed", common.seed, "Generate a random problem from this seed (same seed, same problem)")
      ->type_name("N")
      ->group("Common");
  command.add_flag("--json", common.json, "Print one JSON object per run, with the answers (docs/sim-json.md)")
      ->group("Common");
  command.add_option("--svg", common.svg_path, "Also write the picture (chart, memory map, graph) to this SVG file")
      ->type_name("FILE")
      ->group("Common");
  CLI::Option* trace =
      command
          .add_option("--trace", common.trace_path,
                      "Also write the run's events to this trace file (- for stdout); see 'osgrid replay'")
          ->type_name("FILE")
          ->group("Common");
  if (topic.time_unit.empty()) trace->group("");  // hidden: refused with the topics that have it (CheckTraceable)
  if (topic.ostep_simulator.empty()) return;
  command
      .add_flag("--ostep", common.ostep,
                "Print only what OSTEP's " + topic.ostep_simulator + " prints, without osgrid's additions after it")
      ->group("Common");
}

/// A Simulation that only replays output built beforehand.
class StoredSimulation : public Simulation {
 public:
  explicit StoredSimulation(Output output) : output_(std::move(output)) {}
  void WriteText(TextOut& out) const override { out.Write(output_.text); }
  void WriteJson(JsonOut& out) const override { out.Value(output_.json); }
  std::string Svg() const override { return output_.svg; }

 private:
  Output output_;
};

/// One topic's subcommand, its options and its runner.
struct Registered {
  Topic topic;
  CLI::App* command = nullptr;
  std::shared_ptr<CommonOptions> common;
  Runner run;
};

std::vector<Registered> AddTopics(CLI::App& parent) {
  std::vector<Registered> registered;
  for (const Topic& topic : AllTopics()) {
    Registered r;
    r.topic = topic;
    r.command = parent.add_subcommand(topic.name, topic.summary);
    r.common = std::make_shared<CommonOptions>();
    AddCommonOptions(*r.command, *r.common, topic);
    r.run = topic.add(*r.command);
    registered.push_back(std::move(r));
  }
  return registered;
}

/// Runs the topic that was parsed, if any.
const Registered* Parsed(const std::vector<Registered>& registered) {
  for (const Registered& r : registered) {
    if (r.command->parsed()) return &r;
  }
  return nullptr;
}

/// Checks the parsed input and readies the run (--trace first: a topic without events refuses it).
Prepared Prepare(const Registered& r) {
  if (!r.common->trace_path.empty()) {
    if (Status traceable = CheckTraceable(r.topic); !traceable.ok()) return traceable;
  }
  return r.run(*r.common);
}

/// Writes the run's trace where --trace asks, if it does.
Status TraceIfAsked(const Registered& r, const Simulation& simulation) {
  if (r.common->trace_path.empty()) return Status::Ok();
  return WriteTrace(simulation, SimTraceHeader(r.topic, GivenOptions(*r.command)), r.common->trace_path);
}

Status WriteSvg(const std::string& path, const std::string& svg, const std::string& topic) {
  if (svg.empty()) return BadInput("--svg: 'osgrid sim " + topic + "' has no picture for this run");
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!(file << svg) || !file.flush()) return BadInput("--svg: cannot write '" + path + "'");
  return Status::Ok();
}

/// The run's output on stdout (on stderr when the trace took stdout): text, or --json.
void Print(const Simulation& simulation, const CommonOptions& common) {
  TextOut out(common.trace_path == "-" ? stderr : stdout);
  if (common.json) {
    JsonOut json(out);
    simulation.WriteJson(json);
    out.Put('\n');
    return;
  }
  simulation.WriteText(out);
  if (!common.svg_path.empty()) out.Print("Picture written to {}\n", common.svg_path);
}

int Report(const Status& status, const std::string& command) {
  std::cerr << "osgrid: " << CodeName(status.code()) << ": " << status.message() << " (see 'osgrid sim " << command
            << " --help')\n";
  return kExitUsage;
}

std::string Trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    items.push_back(Trim(text.substr(start, comma - start)));
    if (comma == std::string::npos) return items;
    start = comma + 1;
  }
}

}  // namespace

// glibc can madvise its heap itself (GLIBC_TUNABLES=glibc.malloc.hugetlb=1,
// as osgrid-os-bench uses), but only when set before the process starts. So
// the same is done here by hand: big blocks come from the heap instead of
// fresh mmaps (M_MMAP_THRESHOLD), the heap grows in 64 MiB steps (M_TOP_PAD;
// untouched memory costs nothing), and that new part is marked MADV_HUGEPAGE,
// so it faults in 2 MiB at a time.
void UseHugePagesForTheHeap() {
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  constexpr int kPad = 64 << 20;
  if (mallopt(M_MMAP_THRESHOLD, 32 << 20) == 0 || mallopt(M_TRIM_THRESHOLD, 512 << 20) == 0 ||
      mallopt(M_TOP_PAD, kPad) == 0) {
    return;
  }
  // The heap's free top runs from `top` to the break. Memory below the next
  // 2 MiB boundary cannot be a huge page, so a block that stays allocated
  // (untouched but for its header) fills it, and what the simulation
  // allocates starts on the boundary. Allocating it grows the heap by the pad.
  // The filler's chunk ends 16 bytes short of the boundary, because malloc
  // writes the header of the free chunk after it there: a write above the
  // boundary before madvise() would give that first 2 MiB 4 KiB pages (511
  // more page faults for 25,000 jobs, each ~20 us on a virtual machine).
  const auto brk_before = reinterpret_cast<std::uintptr_t>(sbrk(0));
  const std::uintptr_t top = brk_before - mallinfo2().keepcost;
  std::uintptr_t boundary = (top + kHuge - 1) & ~(kHuge - 1);
  if (boundary - top < 64) boundary += kHuge;                  // room for the filler's chunk and the header
  static void* filler = nullptr;                               // kept for the life of the process
  filler = malloc(boundary - top - 16 - sizeof(std::size_t));  // its chunk ends at `boundary` - 16
  const auto brk_after = reinterpret_cast<std::uintptr_t>(sbrk(0));
  if (filler == nullptr || brk_before == static_cast<std::uintptr_t>(-1) || brk_after <= boundary) return;
  madvise(reinterpret_cast<void*>(boundary), brk_after - boundary, MADV_HUGEPAGE);
}

std::vector<Topic> AllTopics() {
  return {SchedTopic(), MlfqTopic(), MemTopic(), PageTopic(), DiskTopic(), DeadlockTopic(), SyncTopic(), ProcTopic()};
}

const Topic* FindTopic(const std::string& name) {
  static const std::vector<Topic> topics = AllTopics();
  for (const Topic& topic : topics) {
    if (topic.name == name) return &topic;
  }
  return nullptr;
}

std::pair<CLI::App*, std::function<int()>> AddSimCommand(CLI::App& app) {
  CLI::App* sim = app.add_subcommand("sim",
                                     "Simulate the textbook algorithms (scheduling, memory, paging, deadlock, "
                                     "disk, sync, processes); no cluster needed");
  sim->require_subcommand(1);
  sim->footer(
      "Each command prints a problem; add -c (--solve) for the answers, --json for programs,\n"
      "--svg FILE for a picture. OSTEP's homework flags work unchanged, e.g.\n"
      "  osgrid sim sched -p SJF -l 5,10,15 -c\n"
      "  osgrid sim page -a 1,2,3,4,1,2,5,1,2,3,4,5 -p FIFO -C 3 -c\n"
      "The manual is docs/sim.md; the JSON shapes are in docs/sim-json.md.");
  auto registered = std::make_shared<std::vector<Registered>>(AddTopics(*sim));
  return {sim, [registered] {
            const Registered* r = Parsed(*registered);
            if (r == nullptr) return kExitUsage;
            const std::string name = r->command->get_name();
            Prepared prepared = Prepare(*r);
            if (!prepared.ok()) return Report(prepared.status(), name);
            const Simulation& simulation = **prepared;
            if (!r->common->svg_path.empty()) {
              Status written = WriteSvg(r->common->svg_path, simulation.Svg(), name);
              if (!written.ok()) return Report(written, name);
            }
            if (Status traced = TraceIfAsked(*r, simulation); !traced.ok()) return Report(traced, name);
            Print(simulation, *r->common);
            return kExitOk;
          }};
}

Outcome RunSim(const std::vector<std::string>& args) {
  CLI::App app("osgrid sim", "osgrid sim");
  app.require_subcommand(1);
  std::vector<Registered> registered = AddTopics(app);
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes the arguments last first
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& error) {
    return BadInput(error.what());
  }
  const Registered* r = Parsed(registered);
  if (r == nullptr) return BadInput("no simulation named");
  if (r->common->trace_path == "-") return BadInput("--trace -: a scenario step cannot write to stdout; name a file");
  Prepared prepared = Prepare(*r);
  if (!prepared.ok()) return prepared.status();
  if (Status traced = TraceIfAsked(*r, **prepared); !traced.ok()) return traced;
  Output output;
  TextOut text;
  (*prepared)->WriteText(text);
  output.text = text.Take();
  TextOut json_text;
  JsonOut json(json_text);
  (*prepared)->WriteJson(json);
  output.json = Json::parse(json_text.Take());
  output.svg = (*prepared)->Svg();
  return output;
}

Prepared Stored(Outcome outcome) {
  if (!outcome.ok()) return outcome.status();
  return std::unique_ptr<Simulation>(new StoredSimulation(std::move(*outcome)));
}

Result<std::vector<std::int64_t>> ParseIntList(const std::string& text, const std::string& what) {
  std::vector<std::int64_t> values;
  if (Trim(text).empty()) return values;
  // One pass with from_chars: a list of 25,000 lengths is parsed in well under a millisecond.
  const std::string_view all(text);
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = std::min(all.find(',', start), all.size());
    std::string_view item = all.substr(start, comma - start);
    const std::size_t first = item.find_first_not_of(" \t");
    item = first == std::string_view::npos ? std::string_view() : item.substr(first);
    item = item.substr(0, item.find_last_not_of(" \t") + 1);
    std::string_view digits = item.size() > 1 && item[0] == '+' ? item.substr(1) : item;
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (item.empty() || error != std::errc() || end != digits.data() + digits.size()) {
      return BadInput(what + ": '" + text + "' is not a comma-separated list of integers ('" + std::string(item) +
                      "')");
    }
    values.push_back(value);
    if (comma == all.size()) return values;
    start = comma + 1;
  }
}

Result<std::vector<std::string>> ParseWordList(const std::string& text, const std::string& what) {
  std::vector<std::string> words;
  if (Trim(text).empty()) return words;
  for (const std::string& item : SplitCommas(text)) {
    if (item.empty()) return BadInput(what + ": '" + text + "' has an empty item");
    words.push_back(item);
  }
  return words;
}

std::string Upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

}  // namespace osgrid::sim
