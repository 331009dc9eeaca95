// `osgrid sim page`: page replacement (OSTEP ch. 22 homework, paging-policy.py;
// Silberschatz 10e 10.4). The algorithms are os/paging; this file parses the
// flags, prints paging-policy.py's problem and trace, the frame table, and
// the Belady curve of --frames-range. Manual: docs/sim/page.md.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "../render.h"
#include "../sim.h"
#include "format.h"
#include "osgrid/os/paging/paging_simulation.h"
#include "osgrid/os/random.h"

namespace osgrid::cli::sim {
namespace {

using os::Page;
using os::PagingResult;

constexpr std::int64_t kMaxReferences = 10000;  // keeps the frame table (references x frames) small
constexpr std::int64_t kMaxCacheSize = 100;
constexpr std::int64_t kMaxRangeSizes = 64;  // --frames-range: sizes per run

struct PageOptions {
  std::string addresses = "-1";  // -a: "1,2,3"; -1 = generate (as in paging-policy.py)
  std::string address_file;      // -f: one page per line
  std::int64_t num_addresses = 10;
  std::string policy = "FIFO";
  int clock_bits = 1;
  std::int64_t cache_size = 3;
  std::int64_t max_page = 10;
  bool no_trace = false;
  std::string frames_range;  // "1-7"
};

std::string Percent(double fraction) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", 100.0 * fraction);
  return buffer;
}

// ---- Input ---------------------------------------------------------------------

Result<std::vector<Page>> ReadAddressFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) return BadInput("-f (address file): cannot read '" + path + "'");
  std::vector<Page> pages;
  std::string line;
  for (int number = 1; std::getline(file, line); ++number) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) continue;  // blank line
    Result<std::vector<std::int64_t>> value = ParseIntList(line, "-f (address file)");
    if (!value.ok() || value->size() != 1) {
      return BadInput("-f (address file) " + path + " line " + std::to_string(number) + ": '" + line +
                      "' is not a page number");
    }
    pages.push_back(value->front());
  }
  return pages;
}

/// The reference string: -f, else -a, else generated from the seed
/// (-n pages in 0 .. -m minus 1), as paging-policy.py chooses.
Result<std::vector<Page>> References(const PageOptions& o, const CommonOptions& common) {
  std::vector<Page> pages;
  if (!o.address_file.empty()) {
    Result<std::vector<Page>> read = ReadAddressFile(o.address_file);
    if (!read.ok()) return read.status();
    pages = *read;
  } else if (o.addresses != "-1") {
    Result<std::vector<std::int64_t>> parsed = ParseIntList(o.addresses, "-a (addresses)");
    if (!parsed.ok()) return parsed.status();
    pages = *parsed;
    if (pages.empty()) return BadInput("-a (addresses): the list is empty");
  } else {
    if (o.num_addresses < 0 || o.num_addresses > kMaxReferences) {
      return BadInput("-n (number of addresses) must be 0.." + std::to_string(kMaxReferences) + ", got " +
                      std::to_string(o.num_addresses));
    }
    if (o.max_page < 1) return BadInput("-m (max page) must be >= 1, got " + std::to_string(o.max_page));
    os::Rng rng(common.seed.value_or(0));
    for (std::int64_t i = 0; i < o.num_addresses; ++i) pages.push_back(rng.Uniform(0, o.max_page - 1));
  }
  if (static_cast<std::int64_t>(pages.size()) > kMaxReferences) {
    return BadInput("at most " + std::to_string(kMaxReferences) + " references, got " + std::to_string(pages.size()));
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
  Result<std::vector<std::int64_t>> low = ParseIntList(text.substr(0, dash), "--frames-range");
  Result<std::vector<std::int64_t>> high = ParseIntList(text.substr(dash + 1), "--frames-range");
  if (!low.ok() || !high.ok() || low->size() != 1 || high->size() != 1) return BadInput(bad);
  const std::int64_t lo = low->front(), hi = high->front();
  if (lo < 1 || hi < lo || hi > kMaxCacheSize || hi - lo >= kMaxRangeSizes) {
    return BadInput("--frames-range: sizes must satisfy 1 <= first <= last <= " + std::to_string(kMaxCacheSize) +
                    ", at most " + std::to_string(kMaxRangeSizes) + " sizes, got " + text);
  }
  return std::make_pair(static_cast<std::size_t>(lo), static_cast<std::size_t>(hi));
}

// ---- Text ----------------------------------------------------------------------

/// paging-policy.py's ARG lines: what was asked.
std::string ArgLines(const PageOptions& o, const CommonOptions& common) {
  std::ostringstream out;
  out << "ARG addresses " << o.addresses << "\n"
      << "ARG addressfile " << o.address_file << "\n"
      << "ARG numaddrs " << o.num_addresses << "\n"
      << "ARG policy " << o.policy << "\n"
      << "ARG clockbits " << o.clock_bits << "\n"
      << "ARG cachesize " << o.cache_size << "\n"
      << "ARG maxpage " << o.max_page << "\n"
      << "ARG seed " << common.seed.value_or(0) << "\n"
      << "ARG notrace " << (o.no_trace ? "True" : "False") << "\n\n";
  return out.str();
}

std::string ProblemText(const std::string& policy, std::size_t cache_size, const std::vector<Page>& refs,
                        const std::optional<std::pair<std::size_t, std::size_t>>& range) {
  std::ostringstream out;
  out << "Assuming a replacement policy of " << policy << ", and a cache of size " << cache_size << " pages,\n"
      << "figure out whether each of the following page references hit or miss\n"
      << "in the page cache.\n\n";
  for (Page page : refs) out << "Access: " << page << "  Hit/Miss?  State of Memory?\n";
  out << "\n";
  if (range) {
    out << "Then count the misses for every cache size from " << range->first << " to " << range->second
        << " pages.\n\n";
  }
  return out.str();
}

/// What paging-policy.py writes at each end of its cache list.
std::pair<std::string, std::string> ListEnds(const std::string& policy) {
  if (policy == "FIFO") return {"FirstIn", "Lastin "};
  if (policy == "LRU" || policy == "MRU") return {"LRU", "MRU"};
  return {"Left ", "Right"};
}

std::string PythonList(const std::vector<Page>& pages) {
  std::string text = "[";
  for (std::size_t i = 0; i < pages.size(); ++i) text += (i ? ", " : "") + std::to_string(pages[i]);
  return text + "]";
}

/// paging-policy.py's solution: one line per reference and FINALSTATS.
std::string TraceText(const PagingResult& run, bool no_trace) {
  const auto [left, right] = ListEnds(run.policy);
  std::ostringstream out;
  if (!no_trace) {
    out << "Solving...\n\n";
    std::size_t hits = 0, misses = 0;
    for (const os::PageAccess& a : run.accesses) {
      (a.hit ? hits : misses) += 1;
      std::string cache = PythonList(a.cache);
      if (cache.size() < 12) cache.insert(0, 12 - cache.size(), ' ');
      out << "Access: " << a.page << "  " << (a.hit ? "HIT " : "MISS") << " " << left << " -> " << cache << " <- "
          << right << " Replaced:" << (a.evicted ? std::to_string(*a.evicted) : "-") << " [Hits:" << hits
          << " Misses:" << misses << "]\n";
    }
  }
  out << "\nFINALSTATS hits " << run.hits << "   misses " << run.misses << "   hitrate " << Percent(run.hit_rate())
      << "\n\n";
  return out.str();
}

/// The frame table, Silberschatz style: one row per frame, one column per
/// reference, '*' under each page fault. Split into blocks `width` wide.
std::string FrameTableText(const PagingResult& run, std::size_t width = 80) {
  if (run.accesses.empty()) return "(no references)\n";
  std::size_t digits = 2;
  for (const os::PageAccess& a : run.accesses) digits = std::max(digits, std::to_string(a.page).size());
  const std::size_t cell = digits + 1;
  const std::string last_label = "frame " + std::to_string(run.cache_size - 1);
  const std::size_t label = std::max<std::size_t>(last_label.size(), 9) + 1;
  const std::size_t per_block = std::max<std::size_t>(1, (width - label) / cell);
  auto pad = [](std::string text, std::size_t w) { return std::string(w - std::min(w, text.size()), ' ') + text; };
  auto padr = [](std::string text, std::size_t w) { return text + std::string(w - std::min(w, text.size()), ' '); };
  std::ostringstream out;
  for (std::size_t start = 0; start < run.accesses.size(); start += per_block) {
    const std::size_t end = std::min(run.accesses.size(), start + per_block);
    if (start > 0) out << "\n";
    std::string line = padr("reference", label);
    for (std::size_t i = start; i < end; ++i) line += pad(std::to_string(run.accesses[i].page), cell);
    out << line << "\n";
    for (std::size_t f = 0; f < run.cache_size; ++f) {
      line = padr("frame " + std::to_string(f), label);
      for (std::size_t i = start; i < end; ++i) {
        const auto& page = run.accesses[i].frames[f];
        line += pad(page ? std::to_string(*page) : "", cell);
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out << line << "\n";
    }
    line = padr("fault", label);
    for (std::size_t i = start; i < end; ++i) line += pad(run.accesses[i].hit ? "" : "*", cell);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
  return out.str();
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

// ---- JSON and pictures ----------------------------------------------------------

Json PageOrNull(const std::optional<Page>& page) { return page ? Json(*page) : Json(nullptr); }

Json ToJson(const PagingResult& run, const std::vector<Page>& refs, int clock_bits) {
  Json accesses = Json::array();
  for (const os::PageAccess& a : run.accesses) {
    Json frames = Json::array();
    for (const auto& page : a.frames) frames.push_back(PageOrNull(page));
    accesses.push_back(
        {{"page", a.page}, {"hit", a.hit}, {"evicted", PageOrNull(a.evicted)}, {"cache", a.cache}, {"frames", frames}});
  }
  Json json = {
      {"policy", run.policy}, {"cache_size", run.cache_size}, {"references", refs},        {"accesses", accesses},
      {"hits", run.hits},     {"misses", run.misses},         {"hit_rate", run.hit_rate()}};
  if (run.policy == "CLOCK") json["clock_bits"] = clock_bits;
  return json;
}

std::string FrameTableSvg(const PagingResult& run) {
  const double cell = 28, left = 70, top = 60;
  const std::size_t columns = run.accesses.size();
  Svg svg(left + cell * static_cast<double>(std::max<std::size_t>(columns, 1)) + 20,
          top + cell * static_cast<double>(run.cache_size + 1) + 40);
  svg.Text(10, 24,
           run.policy + ", " + std::to_string(run.cache_size) + " frames: " + std::to_string(run.misses) +
               " page faults, " + std::to_string(run.hits) + " hits",
           16);
  svg.Text(10, top - 10, "reference", 11);
  for (std::size_t i = 0; i < columns; ++i) {
    const os::PageAccess& a = run.accesses[i];
    const double x = left + cell * static_cast<double>(i);
    svg.Text(x + cell / 2, top - 10, std::to_string(a.page), 13, "middle", a.hit ? "#111" : "#b00020");
    for (std::size_t f = 0; f < run.cache_size; ++f) {
      const double y = top + cell * static_cast<double>(f);
      const bool loaded_here = !a.hit && a.frames[f] == a.page;
      svg.Rect(x, y, cell, cell, loaded_here ? "#f4a6a6" : (a.frames[f] ? "#eef3fb" : "#ffffff"), "#888");
      if (a.frames[f]) svg.Text(x + cell / 2, y + cell / 2 + 5, std::to_string(*a.frames[f]), 13, "middle");
    }
    svg.Text(x + cell / 2, top + cell * static_cast<double>(run.cache_size) + 18, a.hit ? "" : "*", 14, "middle",
             "#b00020");
  }
  for (std::size_t f = 0; f < run.cache_size; ++f) {
    svg.Text(10, top + cell * static_cast<double>(f) + cell / 2 + 5, "frame " + std::to_string(f), 11);
  }
  svg.Text(10, top + cell * static_cast<double>(run.cache_size) + 18, "fault", 11);
  return svg.Finish();
}

// ---- summarize and brief ----------------------------------------------------------

std::vector<std::pair<std::string, std::string>> Summarize(const Json& run) {
  const double rate = run.value("hit_rate", 0.0);
  return {{"hits", std::to_string(run.value("hits", 0))},
          {"misses", std::to_string(run.value("misses", 0))},
          {"hit rate", Percent(rate) + "%"}};
}

/// The frame table when it is small, else one line of H/M marks.
std::string Brief(const Json& run) {
  if (!run.contains("accesses") || !run["accesses"].is_array()) return "";
  PagingResult table;
  table.policy = run.value("policy", "");
  table.cache_size = run.value("cache_size", std::size_t{0});
  for (const Json& a : run["accesses"]) {
    os::PageAccess access;
    access.page = a.value("page", Page{0});
    access.hit = a.value("hit", false);
    for (const Json& f : a.value("frames", Json::array())) {
      access.frames.push_back(f.is_null() ? std::nullopt : std::optional<Page>(f.get<Page>()));
    }
    if (access.frames.size() != table.cache_size) return "";
    table.accesses.push_back(access);
  }
  const std::string text = FrameTableText(table);
  if (table.cache_size <= 8 && std::count(text.begin(), text.end(), '\n') <= static_cast<long>(table.cache_size) + 2) {
    return text;
  }
  std::string marks;
  for (const os::PageAccess& a : table.accesses) marks += a.hit ? 'H' : 'M';
  if (marks.size() > 70) marks = marks.substr(0, 67) + "...";
  return marks + "\n";
}

// ---- The command -------------------------------------------------------------------

Outcome Run(const PageOptions& o, const CommonOptions& common) {
  const std::string policy = Upper(o.policy);
  if (o.cache_size < 1 || o.cache_size > kMaxCacheSize) {
    return BadInput("-C (cache size) must be 1.." + std::to_string(kMaxCacheSize) + " pages, got " +
                    std::to_string(o.cache_size));
  }
  const auto cache_size = static_cast<std::size_t>(o.cache_size);
  Result<std::vector<Page>> refs = References(o, common);
  if (!refs.ok()) return refs.status();
  std::optional<std::pair<std::size_t, std::size_t>> range;
  if (!o.frames_range.empty()) {
    auto parsed = ParseRange(o.frames_range);
    if (!parsed.ok()) return parsed.status();
    range = *parsed;
  }
  os::PolicyOptions options;
  options.clock_bits = o.clock_bits;
  options.seed = common.seed.value_or(0);
  auto run = os::SimulatePaging(policy, *refs, cache_size, options);
  if (!run.ok()) return BadInput("-p " + o.policy + ": " + run.error().message);
  std::optional<std::vector<os::FaultsAtSize>> curve;
  if (range) {
    auto faults = os::FaultsByCacheSize(policy, *refs, range->first, range->second, options);
    if (!faults.ok()) return BadInput(faults.error().message);
    curve = *faults;
  }

  Output output;
  output.json = ToJson(*run, *refs, o.clock_bits);
  if (curve) {
    Json sizes = Json::array();
    for (const auto& point : *curve) sizes.push_back({{"cache_size", point.cache_size}, {"misses", point.misses}});
    output.json["by_cache_size"] = sizes;
  }
  PageOptions shown = o;
  shown.policy = policy;
  output.text = ArgLines(shown, common);
  if (!common.solve) {
    output.text += ProblemText(policy, cache_size, *refs, range);
  } else {
    output.text += TraceText(*run, o.no_trace);
    output.text += "Frame table (" + policy + ", " + std::to_string(cache_size) + " frames; * = page fault):\n";
    output.text += FrameTableText(*run) + "\n";
    output.text += "Totals: " + std::to_string(run->hits) + " hits, " + std::to_string(run->misses) +
                   " misses (page faults), hit rate " + Percent(run->hit_rate()) + "%\n";
    if (curve) output.text += "\n" + CurveText(policy, *curve);
  }
  output.svg = FrameTableSvg(*run);
  return output;
}

}  // namespace

Topic PageTopic() {
  Topic topic;
  topic.name = "page";
  topic.summary = "Page replacement: FIFO, LRU, OPT, CLOCK, LFU, MRU, RAND, UNOPT (OSTEP ch. 22)";
  topic.policy_flag = "-p";
  topic.add = [](CLI::App& command) -> Runner {
    auto o = std::make_shared<PageOptions>();
    command.add_option("-a,--addresses", o->addresses, "Pages to access, comma-separated, e.g. 1,2,3 (-1: generate)")
        ->type_name("LIST");
    command.add_option("-f,--addressfile", o->address_file, "A file with one page number per line")->type_name("FILE");
    command.add_option("-n,--numaddrs", o->num_addresses, "How many pages to generate when there is no -a/-f")
        ->type_name("N")
        ->capture_default_str();
    command.add_option("-p,--policy", o->policy, "FIFO, LRU, OPT, CLOCK, LFU, MRU, RAND or UNOPT")
        ->type_name("POLICY")
        ->capture_default_str();
    command.add_option("-b,--clockbits", o->clock_bits, "CLOCK: use-counter maximum (1 = the textbook use bit)")
        ->type_name("N")
        ->capture_default_str();
    command.add_option("-C,--cachesize", o->cache_size, "Size of the page cache (frames), in pages")
        ->type_name("N")
        ->capture_default_str();
    command.add_option("-m,--maxpage", o->max_page, "Generated pages are 0 .. this minus 1")
        ->type_name("N")
        ->capture_default_str();
    command.add_flag("-N,--notrace", o->no_trace, "With -c: totals only, no per-access trace");
    command
        .add_option("--frames-range", o->frames_range,
                    "Also count the misses for every cache size in this range, e.g. 1-7 (Belady's anomaly)")
        ->type_name("LO-HI");
    command.footer(
        "Examples:\n"
        "  osgrid sim page -a 1,2,3,4,1,2,5,1,2,3,4,5 -p FIFO -C 3 -c\n"
        "  osgrid sim page -a 1,2,3,4,1,2,5,1,2,3,4,5 -p FIFO --frames-range 1-6 -c\n"
        "  osgrid sim page -s 7 -n 20 -m 8 -p LRU -C 4 --svg frames.svg\n"
        "Manual: docs/sim/page.md");
    return [o](const CommonOptions& common) { return Stored(Run(*o, common)); };
  };
  topic.summarize = Summarize;
  topic.brief = Brief;
  return topic;
}

}  // namespace osgrid::cli::sim
