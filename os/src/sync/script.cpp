// Parsing and checking the sync simulator's scripts.
// Source: the operations of Silberschatz 10e, 3.7, 6.5, 6.6 and OSTEP ch. 28, 31
// (see script.h for the grammar).
#include "osgrid/os/sync/script.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <utility>

namespace osgrid::os {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

/// Splits off the first whitespace-separated word of `text` (which is trimmed).
std::pair<std::string_view, std::string_view> FirstWord(std::string_view text) {
  text = Trim(text);
  std::size_t end = 0;
  while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
  return {text.substr(0, end), Trim(text.substr(end))};
}

std::vector<std::string_view> Words(std::string_view text) {
  std::vector<std::string_view> words;
  for (auto [word, rest] = FirstWord(text); !word.empty(); std::tie(word, rest) = FirstWord(rest)) {
    words.push_back(word);
  }
  return words;
}

bool IsName(std::string_view name) {
  if (name.empty()) return false;
  const unsigned char first = static_cast<unsigned char>(name.front());
  if (!std::isalpha(first) && first != '_') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    return std::isalnum(u) || u == '_' || u == '-';
  });
}

std::optional<std::int64_t> ParseInteger(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::size_t i = (text.front() == '-' || text.front() == '+') ? 1 : 0;
  if (i == text.size()) return std::nullopt;
  std::int64_t value = 0;
  for (; i < text.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return text.front() == '-' ? -value : value;
}

/// "hello world" or 'x' -> the text inside the quotes; anything else as it is.
std::string Unquote(std::string_view text) {
  if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') && text.back() == text.front()) {
    text = text.substr(1, text.size() - 2);
  }
  return std::string(text);
}

std::optional<OpKind> KeywordKind(std::string_view word) {
  static const std::map<std::string_view, OpKind> kKeywords = {
      {"P", OpKind::kWait},          {"wait", OpKind::kWait},       {"sem_wait", OpKind::kWait},
      {"V", OpKind::kSignal},        {"signal", OpKind::kSignal},   {"sem_post", OpKind::kSignal},
      {"lock", OpKind::kLock},       {"acquire", OpKind::kLock},    {"unlock", OpKind::kUnlock},
      {"release", OpKind::kUnlock},  {"send", OpKind::kSend},       {"recv", OpKind::kReceive},
      {"receive", OpKind::kReceive}, {"compute", OpKind::kCompute}, {"print", OpKind::kPrint},
      {"inc", OpKind::kIncrement},   {"dec", OpKind::kDecrement}};
  const auto it = kKeywords.find(word);
  if (it == kKeywords.end()) return std::nullopt;
  return it->second;
}

std::optional<Comparison> ParseComparison(std::string_view symbol) {
  static const std::map<std::string_view, Comparison> kSymbols = {
      {"==", Comparison::kEqual},     {"!=", Comparison::kNotEqual}, {"<", Comparison::kLess},
      {"<=", Comparison::kLessEqual}, {">", Comparison::kGreater},   {">=", Comparison::kGreaterEqual}};
  const auto it = kSymbols.find(symbol);
  if (it == kSymbols.end()) return std::nullopt;
  return it->second;
}

Expected<std::string> NameArgument(std::string_view keyword, std::string_view word, std::string_view what) {
  if (word.empty()) return Fail(std::string(keyword) + " needs " + std::string(what) + " name");
  if (!IsName(word)) {
    return Fail(std::string(keyword) + ": '" + std::string(word) +
                "' is not a name (letters, digits, '_' and '-', starting with a letter or '_')");
  }
  return std::string(word);
}

/// The optional count of `compute [N]`, `inc x [N]`, `dec x [N]`.
Expected<std::int64_t> CountArgument(std::string_view keyword, std::string_view word, std::string_view what) {
  if (word.empty()) return std::int64_t{1};
  const auto value = ParseInteger(word);
  if (!value) return Fail(std::string(keyword) + ": '" + std::string(word) + "' is not an integer");
  if (*value < 1)
    return Fail(std::string(keyword) + ": " + std::string(what) + " must be >= 1, got " + std::string(word));
  return *value;
}

Expected<Op> ParseGuarded(std::string_view text) {
  // if COUNTER OP VALUE then <op>
  auto [keyword, rest] = FirstWord(text);
  auto [counter, rest1] = FirstWord(rest);
  auto [symbol, rest2] = FirstWord(rest1);
  auto [value_text, rest3] = FirstWord(rest2);
  auto [then, guarded] = FirstWord(rest3);
  if (then != "then" || guarded.empty()) return Fail("if: expected 'if COUNTER OP VALUE then OPERATION'");
  auto name = NameArgument("if", counter, "a counter");
  if (!name) return name.error();
  const auto comparison = ParseComparison(symbol);
  if (!comparison) return Fail("if: '" + std::string(symbol) + "' is not a comparison (==, !=, <, <=, >, >=)");
  const auto value = ParseInteger(value_text);
  if (!value) return Fail("if: '" + std::string(value_text) + "' is not an integer");
  if (FirstWord(guarded).first == "if") return Fail("if: an 'if' cannot guard another 'if'");
  auto op = ParseOp(guarded);
  if (!op) return op.error();
  op->guard = Guard{*name, *comparison, *value};
  op->text = std::string(Trim(text));
  return op;
}

/// One operation, without the `if` prefix.
Expected<Op> ParseSimple(std::string_view text) {
  auto [keyword, rest] = FirstWord(text);
  const auto kind = KeywordKind(keyword);
  if (!kind) {
    return Fail("unknown operation '" + std::string(keyword) +
                "' (expected P, V, lock, unlock, send, recv, compute, print, inc, dec or if)");
  }
  Op op;
  op.kind = *kind;
  op.text = std::string(Trim(text));
  const std::vector<std::string_view> args = Words(rest);
  auto too_many = [&](std::size_t allowed) -> std::optional<InputError> {
    if (args.size() <= allowed) return std::nullopt;
    return Fail(std::string(keyword) + ": too many words in '" + op.text + "'");
  };
  switch (op.kind) {
    case OpKind::kWait:
    case OpKind::kSignal:
    case OpKind::kLock:
    case OpKind::kUnlock:
    case OpKind::kReceive: {
      const bool semaphore = op.kind == OpKind::kWait || op.kind == OpKind::kSignal;
      const bool mutex = op.kind == OpKind::kLock || op.kind == OpKind::kUnlock;
      auto name = NameArgument(keyword, args.empty() ? "" : args[0],
                               semaphore ? "a semaphore"
                               : mutex   ? "a mutex"
                                         : "a queue");
      if (!name) return name.error();
      if (auto error = too_many(1)) return *error;
      op.target = *name;
      return op;
    }
    case OpKind::kSend: {
      auto [queue, message] = FirstWord(rest);
      auto name = NameArgument(keyword, queue, "a queue");
      if (!name) return name.error();
      if (message.empty()) return Fail("send: '" + op.text + "' has no message (send QUEUE VALUE)");
      op.target = *name;
      op.message = Unquote(message);
      return op;
    }
    case OpKind::kCompute: {
      auto ticks = CountArgument(keyword, args.empty() ? "" : args[0], "ticks");
      if (!ticks) return ticks.error();
      if (auto error = too_many(1)) return *error;
      op.amount = *ticks;
      return op;
    }
    case OpKind::kPrint:
      op.message = Unquote(rest);
      return op;
    case OpKind::kIncrement:
    case OpKind::kDecrement: {
      auto name = NameArgument(keyword, args.empty() ? "" : args[0], "a counter");
      if (!name) return name.error();
      auto amount = CountArgument(keyword, args.size() > 1 ? args[1] : "", "the amount");
      if (!amount) return amount.error();
      if (auto error = too_many(2)) return *error;
      op.target = *name;
      op.amount = *amount;
      return op;
    }
    case OpKind::kRepeat:
      break;
  }
  return Fail("unknown operation '" + std::string(keyword) + "'");
}

// ---- ValidateScript -----------------------------------------------------------

enum class ObjectKind { kSemaphore, kMutex, kQueue, kCounter };

std::string KindName(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::kSemaphore:
      return "semaphore";
    case ObjectKind::kMutex:
      return "mutex";
    case ObjectKind::kQueue:
      return "queue";
    case ObjectKind::kCounter:
      return "counter";
  }
  return "object";
}

/// The kind of object an operation works on; nullopt for compute, print, repeat.
std::optional<ObjectKind> TargetKind(OpKind kind) {
  switch (kind) {
    case OpKind::kWait:
    case OpKind::kSignal:
      return ObjectKind::kSemaphore;
    case OpKind::kLock:
    case OpKind::kUnlock:
      return ObjectKind::kMutex;
    case OpKind::kSend:
    case OpKind::kReceive:
      return ObjectKind::kQueue;
    case OpKind::kIncrement:
    case OpKind::kDecrement:
      return ObjectKind::kCounter;
    default:
      return std::nullopt;
  }
}

class Checker {
 public:
  explicit Checker(SyncScript& script) : script_(script) {}

  std::optional<InputError> Run() {
    if (auto error = DeclareObjects()) return error;
    if (script_.processes.empty()) return Fail("the script has no processes");
    for (const ProcessScript& process : script_.processes) DeclareUsedCounters(process.ops);
    std::set<std::string> process_names;
    for (const ProcessScript& process : script_.processes) {
      if (!IsName(process.name)) return Fail("process '" + process.name + "': not a valid name");
      if (!process_names.insert(process.name).second) return Fail("process '" + process.name + "' is declared twice");
      if (process.ops.empty()) return Fail("process '" + process.name + "' has no operations");
      if (auto error = CheckOps(process.name, process.ops, "")) return error;
    }
    for (const std::string& counter : implicit_counters_) script_.counters.push_back({counter, 0});
    return std::nullopt;
  }

 private:
  std::optional<InputError> Declare(const std::string& name, ObjectKind kind) {
    if (!IsName(name)) {
      return Fail(KindName(kind) + " '" + name +
                  "': not a valid name (letters, digits, '_' and '-', starting with a letter or '_')");
    }
    const auto [it, inserted] = objects_.emplace(name, kind);
    if (inserted) return std::nullopt;
    if (it->second == kind) return Fail(KindName(kind) + " '" + name + "' is declared twice");
    return Fail("'" + name + "' is declared both as a " + KindName(it->second) + " and as a " + KindName(kind));
  }

  std::optional<InputError> DeclareObjects() {
    for (const SemaphoreDecl& s : script_.semaphores) {
      if (auto error = Declare(s.name, ObjectKind::kSemaphore)) return error;
      if (s.binary && s.initial != 0 && s.initial != 1) {
        return Fail("binary semaphore '" + s.name + "': initial value must be 0 or 1, got " +
                    std::to_string(s.initial));
      }
      if (s.initial < 0) {
        return Fail("semaphore '" + s.name + "': initial value must be >= 0, got " + std::to_string(s.initial));
      }
    }
    for (const std::string& m : script_.mutexes) {
      if (auto error = Declare(m, ObjectKind::kMutex)) return error;
    }
    for (const QueueDecl& q : script_.queues) {
      if (auto error = Declare(q.name, ObjectKind::kQueue)) return error;
      if (q.capacity < 0)
        return Fail("queue '" + q.name + "': capacity must be >= 0, got " + std::to_string(q.capacity));
    }
    for (const CounterDecl& c : script_.counters) {
      if (auto error = Declare(c.name, ObjectKind::kCounter)) return error;
    }
    return std::nullopt;
  }

  /// Counters may be used without a declaration: the first inc/dec of an
  /// unknown name creates it at 0 (in order of first use, process by process).
  void DeclareUsedCounters(const std::vector<Op>& ops) {
    for (const Op& op : ops) {
      if (op.kind == OpKind::kRepeat) DeclareUsedCounters(op.body);
      if (op.kind != OpKind::kIncrement && op.kind != OpKind::kDecrement) continue;
      if (IsName(op.target) && objects_.emplace(op.target, ObjectKind::kCounter).second) {
        implicit_counters_.push_back(op.target);
      }
    }
  }

  /// Why `name` cannot be used as a `wanted`, or nullopt when it can.
  std::optional<std::string> CheckObject(const std::string& name, ObjectKind wanted) const {
    const auto it = objects_.find(name);
    if (it == objects_.end()) return "unknown " + KindName(wanted) + " '" + name + "'";
    if (it->second == wanted) return std::nullopt;
    std::string hint;
    if (it->second == ObjectKind::kSemaphore) hint = " (use P/V)";
    if (it->second == ObjectKind::kMutex) hint = " (use lock/unlock)";
    if (it->second == ObjectKind::kQueue) hint = " (use send/recv)";
    if (it->second == ObjectKind::kCounter) hint = " (use inc/dec)";
    return "'" + name + "' is a " + KindName(it->second) + ", not a " + KindName(wanted) + hint;
  }

  std::optional<InputError> CheckOps(const std::string& process, const std::vector<Op>& ops, const OpPath& prefix) {
    for (std::size_t i = 0; i < ops.size(); ++i) {
      const OpPath path = prefix + std::to_string(i + 1);
      auto fail = [&](const std::string& message) { return Fail(process + " op " + path + ": " + message); };
      const Op& op = ops[i];
      if (op.kind == OpKind::kRepeat) {
        if (op.amount < 1 && op.amount != kForever) {
          return fail("repeat count must be >= 1 (or forever), got " + std::to_string(op.amount));
        }
        if (op.body.empty()) return fail("repeat has no operations");
        if (op.guard) return fail("a repeat cannot have an 'if'");
        if (auto error = CheckOps(process, op.body, path + ".")) return error;
        continue;
      }
      if (op.kind == OpKind::kCompute && op.amount < 1) {
        return fail("compute: ticks must be >= 1, got " + std::to_string(op.amount));
      }
      if ((op.kind == OpKind::kIncrement || op.kind == OpKind::kDecrement) && op.amount < 1) {
        return fail(Describe(op) + ": the amount must be >= 1, got " + std::to_string(op.amount));
      }
      if (const auto kind = TargetKind(op.kind)) {
        if (auto problem = CheckObject(op.target, *kind)) return fail(*problem);
      }
      if (op.guard) {
        if (auto problem = CheckObject(op.guard->counter, ObjectKind::kCounter)) return fail(*problem);
      }
    }
    return std::nullopt;
  }

  SyncScript& script_;
  std::map<std::string, ObjectKind> objects_;
  std::vector<std::string> implicit_counters_;
};

}  // namespace

Expected<Op> ParseOp(std::string_view text) {
  text = Trim(text);
  if (text.empty()) return Fail("empty operation");
  if (FirstWord(text).first == "if") return ParseGuarded(text);
  return ParseSimple(text);
}

Op Repeat(std::int64_t count, std::vector<Op> body) {
  Op op;
  op.kind = OpKind::kRepeat;
  op.amount = count;
  op.body = std::move(body);
  return op;
}

std::string_view ComparisonSymbol(Comparison comparison) {
  switch (comparison) {
    case Comparison::kEqual:
      return "==";
    case Comparison::kNotEqual:
      return "!=";
    case Comparison::kLess:
      return "<";
    case Comparison::kLessEqual:
      return "<=";
    case Comparison::kGreater:
      return ">";
    case Comparison::kGreaterEqual:
      return ">=";
  }
  return "?";
}

bool Compare(std::int64_t left, Comparison comparison, std::int64_t right) {
  switch (comparison) {
    case Comparison::kEqual:
      return left == right;
    case Comparison::kNotEqual:
      return left != right;
    case Comparison::kLess:
      return left < right;
    case Comparison::kLessEqual:
      return left <= right;
    case Comparison::kGreater:
      return left > right;
    case Comparison::kGreaterEqual:
      return left >= right;
  }
  return false;
}

std::string Describe(const Op& op) {
  if (!op.text.empty()) return op.text;
  std::string text;
  if (op.guard) {
    text = "if " + op.guard->counter + " " + std::string(ComparisonSymbol(op.guard->comparison)) + " " +
           std::to_string(op.guard->value) + " then ";
  }
  switch (op.kind) {
    case OpKind::kWait:
      return text + "P " + op.target;
    case OpKind::kSignal:
      return text + "V " + op.target;
    case OpKind::kLock:
      return text + "lock " + op.target;
    case OpKind::kUnlock:
      return text + "unlock " + op.target;
    case OpKind::kSend:
      return text + "send " + op.target + " " + op.message;
    case OpKind::kReceive:
      return text + "recv " + op.target;
    case OpKind::kCompute:
      return text + "compute " + std::to_string(op.amount);
    case OpKind::kPrint:
      return text + "print \"" + op.message + "\"";
    case OpKind::kIncrement:
      return text + "inc " + op.target + (op.amount == 1 ? "" : " " + std::to_string(op.amount));
    case OpKind::kDecrement:
      return text + "dec " + op.target + (op.amount == 1 ? "" : " " + std::to_string(op.amount));
    case OpKind::kRepeat:
      return op.amount == kForever ? "repeat forever" : "repeat " + std::to_string(op.amount);
  }
  return text;
}

Expected<SyncScript> ValidateScript(SyncScript script) {
  Checker checker(script);
  if (auto error = checker.Run()) return *error;
  return script;
}

}  // namespace osgrid::os
