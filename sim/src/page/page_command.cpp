// `osgrid sim page`: page replacement (OSTEP ch. 22 homework, paging-policy.py;
// Silberschatz 10e 10.4), over the policies of os/paging (FIFO, LRU, OPT,
// CLOCK, CLOCK-HAND, LFU, MRU, RAND, UNOPT). Manual: docs/sim/page.md.
//
// The text is paging-policy.py's, byte for byte: its ARG lines, the problem,
// and with -c the trace and FINALSTATS. A seed draws the same reference
// string (os::PyRandom), and RAND and CLOCK draw their victims from the same
// stream after it, as paging-policy.py does. osgrid's additions (the frame
// table, the totals, the --frames-range curve) follow, unless --ostep.
//
// Nothing is built whole: the trace, the frame table (block by block) and
// the JSON accesses are written as the simulator makes each reference, so
// memory grows with the reference string, not with the trace.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "../py_number.h"
#include "../render.h"
#include "../topic.h"
#include "osgrid/client/text.h"
#include "osgrid/os/paging/paging_simulation.h"
#include "osgrid/os/py_random.h"

namespace osgrid::sim {

using client::Table;

namespace {

using os::Page;
using os::PageAccess;
using os::PagingResult;

constexpr std::int64_t kMaxReferences = 10'000'000;
constexpr std::int64_t kMaxCacheSize = 1'000'000;
constexpr std::int64_t kMaxRangeSizes = 64;  // --frames-range: sizes per run

/// The command's options, kept as typed: paging-policy.py echoes most of
/// them in its ARG lines exactly as given ("-n 010" prints "ARG numaddrs 010").
struct PageArgs {
  std::string addresses = "-1";           // -a: "1,2,3"; -1 = generate
  std::string address_file;               // -f: one page per line
  std::string num_addresses = "10";       // -n
  std::string policy = "FIFO";            // -p, as given (paging-policy.py prints it so)
  std::optional<std::string> clock_bits;  // -b: 2 (paging-policy.py), 1 for CLOCK-HAND
  std::string cache_size = "3";           // -C
  std::string max_page = "10";            // -m
  bool no_trace = false;                  // -N
  std::string frames_range;               // --frames-range "1-7"
};

/// The problem as parsed and drawn.
struct Problem {
  std::string policy;  // canonical: "FIFO", ..., "CLOCK-HAND"
  std::size_t cache_size = 0;
  std::int64_t clock_bits = 2;
  std::int64_t seed = 0;
  std::vector<Page> references;
  /// The random stream as the reference string left it: RAND and CLOCK draw
  /// their victims from (a copy of) it, continuing paging-policy.py's one stream.
  os::PyRandom random{0};
  std::optional<std::pair<std::size_t, std::size_t>> range;  // --frames-range
};

// ---- Input -------------------------------------------------------------------------

Result<std::int64_t> Integer(const std::string& text, const std::string& what) {
  std::optional<std::int64_t> value = PyInt(text);
  if (!value) return BadInput(what + ": '" + text + "' is not an integer");
  return *value;
}

Result<std::vector<Page>> ReadAddressFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) return BadInput("-f (address file): cannot read '" + path + "'");
  std::vector<Page> pages;
  std::string line;
  for (int number = 1; std::getline(file, line); ++number) {
    if (line.find_first_not_of(" \t\r\n\f\v") == std::string::npos) continue;  // blank line
    std::optional<std::int64_t> page = PyInt(line);
    if (!page) {
      return BadInput("-f (address file) " + path + " line " + std::to_string(number) + ": '" + line +
                      "' is not a page number");
    }
    if (static_cast<std::int64_t>(pages.size()) == kMaxReferences) {
      return BadInput("-f (address file): at most " + std::to_string(kMaxReferences) + " references");
    }
    pages.push_back(*page);
  }
  return pages;
}

/// The reference string: -f, else -a, else drawn from the seed as
/// paging-policy.py draws it: -n pages, each int(maxpage * random()).
Result<std::vector<Page>> References(const PageArgs& args, std::int64_t num_addresses, std::int64_t max_page,
                                     os::PyRandom& random) {
  std::vector<Page> pages;
  if (!args.address_file.empty()) {
    Result<std::vector<Page>> read = ReadAddressFile(args.address_file);
    if (!read.ok()) return read.status();
    pages = std::move(*read);
  } else if (args.addresses == "-1") {
    if (num_addresses > kMaxReferences) {
      return BadInput("-n (number of addresses): at most " + std::to_string(kMaxReferences) + ", got " +
                      std::to_string(num_addresses));
    }
    if (max_page < 0) return BadInput("-m (max page) must be >= 0, got " + std::to_string(max_page));
    pages.reserve(static_cast<std::size_t>(std::max<std::int64_t>(num_addresses, 0)));
    for (std::int64_t i = 0; i < num_addresses; ++i) {
      pages.push_back(static_cast<Page>(static_cast<double>(max_page) * random.Random()));
    }
  } else {
    std::size_t start = 0;
    while (true) {  // paging-policy.py: addresses.split(','), then int() of each
      const std::size_t comma = args.addresses.find(',', start);
      const std::string item = args.addresses.substr(start, comma - start);
      std::optional<std::int64_t> page = PyInt(item);
      if (!page) {
        return BadInput("-a (addresses): '" + args.addresses + "' is not a comma-separated list of integers ('" + item +
                        "')");
      }
      if (static_cast<std::int64_t>(pages.size()) == kMaxReferences) {
        return BadInput("-a (addresses): at most " + std::to_string(kMaxReferences) + " references");
      }
      pages.push_back(*page);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  for (std::size_t i = 0; i < pages.size(); ++i) {
    if (pages[i] < 0) {
      return BadInput("reference " + std::to_string(i + 1) + ": page must be >= 0, got " + std::to_string(pages[i]));
    }
  }
  return pages;
}

Result<std::pair<std::size_t, std::size_t>> ParseRange(const std::string& text) {
  const auto dash = text.find('-');
  const std::string bad = "--frames-range: '" + text + "' is not a range of cache sizes like 1-7";
  if (dash == std::string::npos) return BadInput(bad);
  std::optional<std::int64_t> lo = PyInt(text.substr(0, dash)), hi = PyInt(text.substr(dash + 1));
  if (!lo || !hi) return BadInput(bad);
  if (*lo < 1 || *hi < *lo || *hi > kMaxCacheSize || *hi - *lo >= kMaxRangeSizes) {
    return BadInput("--frames-range: sizes must satisfy 1 <= first <= last <= " + std::to_string(kMaxCacheSize) +
                    ", at most " + std::to_string(kMaxRangeSizes) + " sizes, got " + text);
  }
  return std::make_pair(static_cast<std::size_t>(*lo), static_cast<std::size_t>(*hi));
}

/// Parses and checks everything, as paging-policy.py reads its options
/// (every number is parsed, used or not), then draws the reference string.
Result<Problem> BuildProblem(const PageArgs& args, const CommonOptions& common) {
  Problem problem;
  problem.policy = Upper(args.policy);
  if (auto made = os::MakeReplacementPolicy(problem.policy, 1); !made.ok()) {
    return BadInput("-p " + args.policy + ": " + made.error().message);
  }
  if (args.clock_bits) {
    std::optional<std::int64_t> bits = OptparseInt(*args.clock_bits);
    if (!bits) return BadInput("-b (clock bits): '" + *args.clock_bits + "' is not an integer");
    problem.clock_bits = *bits;
  } else {
    problem.clock_bits = problem.policy == "CLOCK-HAND" ? 1 : 2;  // the textbook use bit; paging-policy.py's 2
  }
  Result<std::int64_t> num_addresses = Integer(args.num_addresses, "-n (number of addresses)");
  if (!num_addresses.ok()) return num_addresses.status();
  Result<std::int64_t> cache_size = Integer(args.cache_size, "-C (cache size)");
  if (!cache_size.ok()) return cache_size.status();
  Result<std::int64_t> max_page = Integer(args.max_page, "-m (max page)");
  if (!max_page.ok()) return max_page.status();
  if (*cache_size < 1 || *cache_size > kMaxCacheSize) {
    return BadInput("-C (cache size) must be 1.." + std::to_string(kMaxCacheSize) + " pages, got " +
                    std::to_string(*cache_size));
  }
  problem.cache_size = static_cast<std::size_t>(*cache_size);
  if (!args.frames_range.empty()) {
    auto range = ParseRange(args.frames_range);
    if (!range.ok()) return range.status();
    problem.range = *range;
  }
  problem.seed = common.seed.value_or(0);
  problem.random = os::PyRandom(problem.seed);
  Result<std::vector<Page>> references = References(args, *num_addresses, *max_page, problem.random);
  if (!references.ok()) return references.status();
  problem.references = std::move(*references);
  return problem;
}

// ---- Writing ------------------------------------------------------------------------

/// What paging-policy.py writes at each end of its cache list.
std::pair<std::string_view, std::string_view> ListEnds(const std::string& policy) {
  if (policy == "FIFO") return {"FirstIn", "Lastin "};
  if (policy == "LRU" || policy == "MRU") return {"LRU", "MRU"};
  return {"Left ", "Right"};
}

double HitRate(std::size_t hits, std::size_t misses) {
  return hits + misses == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(hits + misses);
}

/// paging-policy.py's trace line for one reference:
///   Access: 4  MISS FirstIn ->    [2, 3, 4] <- Lastin  Replaced:1 [Hits:0 Misses:4]
class TraceWriter {
 public:
  TraceWriter(TextOut& out, const std::string& policy) : out_(out), ends_(ListEnds(policy)) {}

  void operator()(const PageAccess& a) {
    (a.hit ? hits_ : misses_) += 1;
    const std::string_view list = ListText(a.cache);
    out_.Write("Access: ");
    out_.Int(a.page);
    out_.Write(a.hit ? "  HIT  " : "  MISS ");
    out_.Write(ends_.first);
    out_.Write(" -> ");
    if (list.size() < 12) out_.Pad(12 - list.size());  // "%12s" (the list is ASCII)
    out_.Write(list);
    out_.Write(" <- ");
    out_.Write(ends_.second);
    out_.Write(" Replaced:");
    if (a.evicted) {
      out_.Int(*a.evicted);
    } else {
      out_.Put('-');
    }
    out_.Write(" [Hits:");
    out_.Int(static_cast<std::int64_t>(hits_));
    out_.Write(" Misses:");
    out_.Int(static_cast<std::int64_t>(misses_));
    out_.Write("]\n");
  }

 private:
  /// Python's str() of the list, "[3, 1, 2]", in a buffer reused for every
  /// line (a cache of 100 pages makes ~500 bytes a line).
  std::string_view ListText(const std::vector<Page>& cache) {
    constexpr std::size_t kMostPerPage = 22;  // 20 digits, a sign... and ", "
    if (list_.size() < 2 + cache.size() * kMostPerPage) list_.resize(2 + cache.size() * kMostPerPage);
    char* end = list_.data();
    *end++ = '[';
    for (std::size_t i = 0; i < cache.size(); ++i) {
      if (i > 0) end = std::copy_n(", ", 2, end);
      end = fmt::format_to(end, FMT_COMPILE("{}"), cache[i]);
    }
    *end++ = ']';
    return {list_.data(), static_cast<std::size_t>(end - list_.data())};
  }

  TextOut& out_;
  std::pair<std::string_view, std::string_view> ends_;
  std::vector<char> list_;  // ListText's buffer
  std::size_t hits_ = 0, misses_ = 0;
};

/// The frame table, Silberschatz style: one row per frame, one column per
/// reference, '*' under each page fault, in blocks that fit 80 columns.
/// Columns come one at a time; only the current block is kept.
class FrameTableWriter {
 public:
  FrameTableWriter(TextOut& out, std::size_t frames, std::size_t digits) : out_(out), frames_(frames) {
    cell_ = std::max<std::size_t>(digits, 2) + 1;
    label_ = std::max<std::size_t>(fmt::formatted_size("frame {}", frames - 1), 9) + 1;
    per_block_ = std::max<std::size_t>(1, (kWidth - std::min(kWidth, label_)) / cell_);
  }

  void Add(const PageAccess& a) {
    pages_.push_back(a.page);
    hits_.push_back(a.hit);
    cells_.insert(cells_.end(), a.frames.begin(), a.frames.end());
    if (pages_.size() == per_block_) WriteBlock();
  }

  void Finish() {
    if (!pages_.empty()) WriteBlock();
    if (!wrote_) out_.Write("(no references)\n");
  }

 private:
  static constexpr std::size_t kWidth = 80;

  void WriteBlock() {
    if (wrote_) out_.Put('\n');
    wrote_ = true;
    line_.clear();
    PadRight("reference", label_);
    for (Page page : pages_) PadLeft(fmt::format_int(page), cell_);
    WriteTrimmed();
    for (std::size_t f = 0; f < frames_; ++f) {
      line_.clear();
      PadRight(fmt::format("frame {}", f), label_);
      for (std::size_t i = 0; i < pages_.size(); ++i) {
        const std::optional<Page>& page = cells_[i * frames_ + f];
        if (page) {
          PadLeft(fmt::format_int(*page), cell_);
        } else {
          line_.append(cell_, ' ');
        }
      }
      WriteTrimmed();
    }
    line_.clear();
    PadRight("fault", label_);
    for (bool hit : hits_) PadLeft(hit ? "" : "*", cell_);
    WriteTrimmed();
    pages_.clear();
    hits_.clear();
    cells_.clear();
  }

  /// `text` right-aligned (left-aligned) in `width` columns.
  void PadLeft(std::string_view text, std::size_t width) {
    if (text.size() < width) line_.append(width - text.size(), ' ');
    line_.append(text.data(), text.size());
  }
  void PadLeft(const fmt::format_int& number, std::size_t width) { PadLeft({number.data(), number.size()}, width); }
  void PadRight(std::string_view text, std::size_t width) {
    line_.append(text.data(), text.size());
    if (text.size() < width) line_.append(width - text.size(), ' ');
  }

  void WriteTrimmed() {
    std::size_t size = line_.size();
    while (size > 0 && line_[size - 1] == ' ') --size;
    out_.Write(std::string_view(line_.data(), size));
    out_.Put('\n');
  }

  TextOut& out_;
  std::size_t frames_, cell_, label_, per_block_;
  std::vector<Page> pages_;                 // the block's references
  std::vector<bool> hits_;                  // and whether each hit
  std::vector<std::optional<Page>> cells_;  // frames after each, column by column
  std::string line_;
  bool wrote_ = false;
};

/// The widest page number, in digits.
std::size_t PageDigits(const std::vector<Page>& pages) {
  std::size_t digits = 1;
  for (Page page : pages) digits = std::max(digits, fmt::formatted_size("{}", page));
  return digits;
}

std::string CurveText(const std::string& policy, const std::vector<os::FaultsAtSize>& curve) {
  std::ostringstream out;
  out << "Misses by cache size (" << policy << ", same reference string):\n";
  Table table({"cache size", "misses", ""});
  for (std::size_t i = 0; i < curve.size(); ++i) {
    const bool anomaly = i > 0 && curve[i].misses > curve[i - 1].misses;
    table.AddRow({std::to_string(curve[i].cache_size), std::to_string(curve[i].misses),
                  anomaly ? "<- more frames, more misses: Belady's anomaly" : ""});
  }
  table.Print(out, "  ");
  return out.str();
}

class PageSimulation : public Simulation {
 public:
  PageSimulation(PageArgs args, Problem problem, const CommonOptions& common)
      : args_(std::move(args)), problem_(std::move(problem)), common_(common) {}

  void WriteText(TextOut& out) const override;
  void WriteJson(JsonOut& out) const override;
  std::string Svg() const override;
  void WriteEvents(const os::events::EventSink& sink) const override {
    (void)Simulate([](const PageAccess&) {}, sink);
  }

 private:
  /// Runs the policy over the reference string, each access handed to
  /// `on_access` and each event to `sink` (if set); RAND and CLOCK draw from
  /// a fresh copy of the stream, so every run makes the same choices.
  PagingResult Simulate(const os::AccessObserver& on_access, const os::events::EventSink& sink = nullptr) const;
  std::vector<os::FaultsAtSize> Curve() const;
  void WriteArguments(TextOut& out) const;
  void WriteProblem(TextOut& out) const;
  void WriteSolution(TextOut& out) const;

  PageArgs args_;
  Problem problem_;
  CommonOptions common_;
};

PagingResult PageSimulation::Simulate(const os::AccessObserver& on_access, const os::events::EventSink& sink) const {
  os::PyRandom random = problem_.random;
  os::PolicyOptions options;
  options.clock_bits = problem_.clock_bits;
  options.random = &random;
  // The input was checked: the policy exists, the cache has frames, no page is negative.
  return *os::SimulatePaging(problem_.policy, problem_.references, problem_.cache_size, options, on_access, sink);
}

std::vector<os::FaultsAtSize> PageSimulation::Curve() const {
  os::PyRandom random = problem_.random;
  os::PolicyOptions options;
  options.clock_bits = problem_.clock_bits;
  options.random = &random;
  return *os::FaultsByCacheSize(problem_.policy, problem_.references, problem_.range->first, problem_.range->second,
                                options);
}

/// paging-policy.py's ARG lines: its options as given (-b as a number).
void PageSimulation::WriteArguments(TextOut& out) const {
  out.Print("ARG addresses {}\nARG addressfile {}\nARG numaddrs {}\nARG policy {}\nARG clockbits {}\n", args_.addresses,
            args_.address_file, args_.num_addresses, args_.policy, problem_.clock_bits);
  out.Print("ARG cachesize {}\nARG maxpage {}\nARG seed {}\nARG notrace {}\n\n", args_.cache_size, args_.max_page,
            problem_.seed, args_.no_trace ? "True" : "False");
}

void PageSimulation::WriteProblem(TextOut& out) const {
  out.Print("Assuming a replacement policy of {}, and a cache of size {} pages,\n", args_.policy, problem_.cache_size);
  out.Write(
      "figure out whether each of the following page references hit or miss\n"
      "in the page cache.\n\n");
  for (Page page : problem_.references) out.Print("Access: {}  Hit/Miss?  State of Memory?\n", page);
  out.Put('\n');
  if (problem_.range && !common_.ostep) {
    out.Print("Then count the misses for every cache size from {} to {} pages.\n", problem_.range->first,
              problem_.range->second);
  }
}

void PageSimulation::WriteSolution(TextOut& out) const {
  PagingResult result;
  if (args_.no_trace) {
    result = Simulate([](const PageAccess&) {});
  } else {
    out.Write("Solving...\n\n");
    TraceWriter trace(out, problem_.policy);
    result = Simulate([&](const PageAccess& a) { trace(a); });
  }
  // paging-policy.py divides by the number of references (and fails on none); osgrid prints 0.00 then.
  const double rate = result.hits + result.misses == 0
                          ? 0.0
                          : 100.0 * static_cast<double>(result.hits) / static_cast<double>(result.hits + result.misses);
  out.Print("\nFINALSTATS hits {}   misses {}   hitrate {:.2f}\n\n", result.hits, result.misses, rate);
  if (common_.ostep) return;
  out.Print("Frame table ({}, {} frames; * = page fault):\n", problem_.policy, problem_.cache_size);
  FrameTableWriter table(out, problem_.cache_size, PageDigits(problem_.references));
  Simulate([&](const PageAccess& a) { table.Add(a); });
  table.Finish();
  out.Print("\nTotals: {} hits, {} misses (page faults), hit rate {:.2f}%\n", result.hits, result.misses,
            100.0 * HitRate(result.hits, result.misses));
  if (problem_.range) out.Write("\n" + CurveText(problem_.policy, Curve()));
}

void PageSimulation::WriteText(TextOut& out) const {
  WriteArguments(out);
  if (common_.solve) {
    WriteSolution(out);
  } else {
    WriteProblem(out);
  }
}

void PageOrNull(JsonOut& json, const std::optional<Page>& page) {
  if (page) {
    json.Int(*page);
  } else {
    json.Null();
  }
}

void PageSimulation::WriteJson(JsonOut& json) const {
  json.BeginObject();
  json.Field("policy", problem_.policy);
  json.Field("cache_size", problem_.cache_size);
  if (problem_.policy == "CLOCK" || problem_.policy == "CLOCK-HAND") json.Field("clock_bits", problem_.clock_bits);
  json.Key("references");
  json.BeginArray();
  for (Page page : problem_.references) json.Int(page);
  json.EndArray();
  json.Key("accesses");
  json.BeginArray();
  const PagingResult result = Simulate([&](const PageAccess& a) {
    json.BeginObject();
    json.Field("page", a.page);
    json.Field("hit", a.hit);
    json.Key("evicted");
    PageOrNull(json, a.evicted);
    json.Key("cache");
    json.BeginArray();
    for (Page page : a.cache) json.Int(page);
    json.EndArray();
    json.Key("frames");
    json.BeginArray();
    for (const std::optional<Page>& page : a.frames) PageOrNull(json, page);
    json.EndArray();
    json.EndObject();
  });
  json.EndArray();
  json.Field("hits", result.hits);
  json.Field("misses", result.misses);
  json.Field("hit_rate", HitRate(result.hits, result.misses));
  if (problem_.range) {
    json.Key("by_cache_size");
    json.BeginArray();
    for (const os::FaultsAtSize& point : Curve()) {
      json.BeginObject();
      json.Field("cache_size", point.cache_size);
      json.Field("misses", point.misses);
      json.EndObject();
    }
    json.EndArray();
  }
  json.EndObject();
}

/// The frame table as a grid: rows = frames, columns = references, the cell
/// of each newly loaded page and its reference in red.
std::string PageSimulation::Svg() const {
  const double cell = 28, left = 70, top = 60;
  const std::size_t frames = problem_.cache_size;
  const std::size_t columns = problem_.references.size();
  sim::Svg svg(left + cell * static_cast<double>(std::max<std::size_t>(columns, 1)) + 20,
               top + cell * static_cast<double>(frames + 1) + 40);
  std::size_t i = 0;
  const PagingResult result = Simulate([&](const PageAccess& a) {
    const double x = left + cell * static_cast<double>(i++);
    svg.Text(x + cell / 2, top - 10, std::to_string(a.page), 13, "middle", a.hit ? "#111" : "#b00020");
    for (std::size_t f = 0; f < frames; ++f) {
      const double y = top + cell * static_cast<double>(f);
      const bool loaded_here = !a.hit && a.frames[f] == a.page;
      svg.Rect(x, y, cell, cell, loaded_here ? "#f4a6a6" : (a.frames[f] ? "#eef3fb" : "#ffffff"), "#888");
      if (a.frames[f]) svg.Text(x + cell / 2, y + cell / 2 + 5, std::to_string(*a.frames[f]), 13, "middle");
    }
    svg.Text(x + cell / 2, top + cell * static_cast<double>(frames) + 18, a.hit ? "" : "*", 14, "middle", "#b00020");
  });
  svg.Text(10, 24,
           problem_.policy + ", " + std::to_string(frames) + " frames: " + std::to_string(result.misses) +
               " page faults, " + std::to_string(result.hits) + " hits",
           16);
  svg.Text(10, top - 10, "reference", 11);
  for (std::size_t f = 0; f < frames; ++f) {
    svg.Text(10, top + cell * static_cast<double>(f) + cell / 2 + 5, "frame " + std::to_string(f), 11);
  }
  svg.Text(10, top + cell * static_cast<double>(frames) + 18, "fault", 11);
  return svg.Finish();
}

// ---- summarize and brief ----------------------------------------------------------

std::string Percent(double fraction) { return fmt::format("{:.2f}", 100.0 * fraction); }

std::vector<std::pair<std::string, std::string>> Summarize(const Json& run) {
  const double rate = run.value("hit_rate", 0.0);
  return {{"hits", std::to_string(run.value("hits", 0))},
          {"misses", std::to_string(run.value("misses", 0))},
          {"hit rate", Percent(rate) + "%"}};
}

/// The frame table when it is small, else one line of H/M marks.
std::string Brief(const Json& run) {
  if (!run.contains("accesses") || !run["accesses"].is_array()) return "";
  const auto frames = run.value("cache_size", std::size_t{0});
  if (frames == 0) return "";
  std::vector<PageAccess> accesses;
  std::vector<Page> pages;
  for (const Json& a : run["accesses"]) {
    PageAccess access;
    access.page = a.value("page", Page{0});
    access.hit = a.value("hit", false);
    for (const Json& f : a.value("frames", Json::array())) {
      access.frames.push_back(f.is_null() ? std::nullopt : std::optional<Page>(f.get<Page>()));
    }
    if (access.frames.size() != frames) return "";
    pages.push_back(access.page);
    accesses.push_back(std::move(access));
  }
  TextOut out;
  FrameTableWriter table(out, frames, PageDigits(pages));
  for (const PageAccess& a : accesses) table.Add(a);
  table.Finish();
  const std::string text = out.Take();
  if (frames <= 8 && std::count(text.begin(), text.end(), '\n') <= static_cast<long>(frames) + 2) return text;
  std::string marks;
  for (const PageAccess& a : accesses) marks += a.hit ? 'H' : 'M';
  if (marks.size() > 70) marks = marks.substr(0, 67) + "...";
  return marks + "\n";
}

Prepared Prepare(const PageArgs& args, const CommonOptions& common) {
  Result<Problem> problem = BuildProblem(args, common);
  if (!problem.ok()) return problem.status();
  return std::unique_ptr<Simulation>(new PageSimulation(args, std::move(*problem), common));
}

}  // namespace

Topic PageTopic() {
  Topic topic;
  topic.name = "page";
  topic.ostep_simulator = "vm-beyondphys-policy/paging-policy.py";
  topic.time_unit = "reference";
  topic.summary = "Page replacement: FIFO, LRU, OPT, CLOCK, CLOCK-HAND, LFU, MRU, RAND, UNOPT (OSTEP ch. 22)";
  topic.policy_flag = "-p";
  topic.add = [](CLI::App& command) -> Runner {
    auto args = std::make_shared<PageArgs>();
    command
        .add_option("-a,--addresses", args->addresses, "Pages to access, comma-separated, e.g. 1,2,3 (-1: generate)")
        ->type_name("LIST")
        ->capture_default_str();
    command.add_option("-f,--addressfile", args->address_file, "A file with one page number per line")
        ->type_name("FILE");
    command.add_option("-n,--numaddrs", args->num_addresses, "How many pages to generate when there is no -a/-f")
        ->type_name("N")
        ->capture_default_str();
    command
        .add_option("-p,--policy", args->policy,
                    "FIFO, LRU, OPT, CLOCK, CLOCK-HAND, LFU, MRU, RAND or UNOPT (any case)")
        ->type_name("POLICY")
        ->capture_default_str();
    command
        .add_option("-b,--clockbits", args->clock_bits,
                    "CLOCK, CLOCK-HAND: use-counter maximum (default 2, as paging-policy.py; 1 for CLOCK-HAND)")
        ->type_name("N");
    command.add_option("-C,--cachesize", args->cache_size, "Size of the page cache (frames), in pages")
        ->type_name("N")
        ->capture_default_str();
    command.add_option("-m,--maxpage", args->max_page, "Generated pages are 0 .. this minus 1")
        ->type_name("N")
        ->capture_default_str();
    command.add_flag("-N,--notrace", args->no_trace, "With -c: totals only, no per-access trace");
    command
        .add_option("--frames-range", args->frames_range,
                    "Also count the misses for every cache size in this range, e.g. 1-7 (Belady's anomaly)")
        ->type_name("LO-HI");
    command.footer(
        "Examples:\n"
        "  osgrid sim page -a 1,2,3,4,1,2,5,1,2,3,4,5 -p FIFO -C 3 -c\n"
        "  osgrid sim page -a 1,2,3,4,1,2,5,1,2,3,4,5 -p FIFO --frames-range 1-6 -c\n"
        "  osgrid sim page -s 7 -n 20 -m 8 -p LRU -C 4 --svg frames.svg\n"
        "  osgrid sim page -a 1,2,3,4,2,5 -p CLOCK-HAND -b 1 -c     (Silberschatz's second chance)\n"
        "CLOCK is paging-policy.py's (random scan); CLOCK-HAND is the textbook clock hand.\n"
        "Manual: docs/sim/page.md");
    return [args](const CommonOptions& common) { return Prepare(*args, common); };
  };
  topic.summarize = Summarize;
  topic.brief = Brief;
  return topic;
}

}  // namespace osgrid::sim
