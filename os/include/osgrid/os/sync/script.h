// The scripts of the synchronisation simulator: shared objects (semaphores,
// mutexes, message queues, counters) and, for each process, the list of
// operations it performs.
//
// Source: the operations are those of Silberschatz, Operating System
//         Concepts 10e, 6.5 (acquire/release), 6.6 (wait/signal),
//         3.7 (send/receive) and OSTEP ch. 28 (lock/unlock), ch. 31
//         (sem_wait/sem_post); the classic problems written in them are
//         Silberschatz 7.1.1-7.1.3.
//
// One operation is one line of text (ParseOp):
//   P s | wait s | sem_wait s         wait() on semaphore s
//   V s | signal s | sem_post s       signal() on semaphore s
//   lock m | acquire m                acquire mutex m
//   unlock m | release m              release mutex m
//   send q VALUE                      send VALUE (one word, or "quoted text") to queue q
//   recv q | receive q                receive the oldest message of queue q
//   compute [N]                       N ticks of CPU (default 1): N steps
//   print TEXT                        write TEXT to the run's output
//   inc x [N] | dec x [N]             add / subtract N (default 1) to shared counter x
//   if x OP N then <op>               do <op> only when counter x OP N holds
//                                     (OP: == != < <= > >=); the test and the op
//                                     are one atomic step, e.g. the reader's
//                                     `if read_count == 1 then P rw_mutex` (7.1.2)
// and `Repeat(count, body)` runs a list of operations `count` times
// (kForever: until the run's step limit). Names are letters, digits, '_' and
// '-', starting with a letter or '_'.
//
// Counters are shared integer variables for showing what happened (items
// produced, readers reading); they start at 0 unless declared. inc/dec are
// atomic (one step each).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "osgrid/os/expected.h"

namespace osgrid::os {

enum class OpKind {
  kWait,
  kSignal,
  kLock,
  kUnlock,
  kSend,
  kReceive,
  kCompute,
  kPrint,
  kIncrement,
  kDecrement,
  kRepeat
};

enum class Comparison { kEqual, kNotEqual, kLess, kLessEqual, kGreater, kGreaterEqual };

/// The condition of `if counter OP value then <op>`.
struct Guard {
  std::string counter;
  Comparison comparison = Comparison::kEqual;
  std::int64_t value = 0;
};

/// Repeat count meaning "forever" (the run stops at its step limit).
inline constexpr std::int64_t kForever = -1;

/// One operation of a process's script.
struct Op {
  OpKind kind = OpKind::kCompute;
  std::string target;          // the semaphore, mutex, queue or counter it works on
  std::string message;         // send: the message; print: the text
  std::int64_t amount = 1;     // compute: ticks; inc/dec: by how much; repeat: count or kForever
  std::optional<Guard> guard;  // `if ... then`: the op runs only when this holds
  std::vector<Op> body;        // repeat: the operations repeated
  std::string text;            // as written (ParseOp), shown in the trace; empty: Describe() builds it
};

/// Parses one operation, e.g. "P empty", "send mailbox 42",
/// "if read_count == 1 then P rw_mutex". Errors say what is wrong with the
/// text ("unknown operation 'Q'", "compute: ticks must be >= 1, got 0").
Expected<Op> ParseOp(std::string_view text);

/// `body` repeated `count` times (count >= 1, or kForever).
Op Repeat(std::int64_t count, std::vector<Op> body);

/// The operation as shown in a trace: its text as written, or a canonical
/// form ("P empty", "repeat 5", "repeat forever").
std::string Describe(const Op& op);

/// "==", "<=", ...
std::string_view ComparisonSymbol(Comparison comparison);
/// Whether `left OP right` holds.
bool Compare(std::int64_t left, Comparison comparison, std::int64_t right);

struct SemaphoreDecl {
  std::string name;
  std::int64_t initial = 0;  // >= 0; binary: 0 or 1
  bool binary = false;
};

struct QueueDecl {
  std::string name;
  std::int64_t capacity = 0;  // messages it holds; 0 = rendezvous
};

struct CounterDecl {
  std::string name;
  std::int64_t initial = 0;
};

struct ProcessScript {
  std::string name;
  std::vector<Op> ops;
};

/// A whole simulation input. Processes are numbered in this order (their
/// ProcessId), which is also the initial order of the ready queue.
struct SyncScript {
  std::vector<SemaphoreDecl> semaphores;
  std::vector<std::string> mutexes;
  std::vector<QueueDecl> queues;
  std::vector<CounterDecl> counters;  // optional: counters used by inc/dec are created at 0
  std::vector<ProcessScript> processes;
};

/// Where an operation sits in its process's script, for messages: "3"
/// for the third top-level op, "1.3" for the third op inside op 1's repeat.
using OpPath = std::string;

/// Checks a script: names are valid and declared once (across semaphores,
/// mutexes, queues and counters); initial values and capacities are in
/// range; there is at least one process and each has operations; every
/// operation names an object of the right kind and valid amounts.
/// Returns the script with every counter declared (used-but-undeclared ones
/// appended at 0, in order of first use). Errors name the process and the
/// op: "producer op 1.3: unknown semaphore 'ful'".
Expected<SyncScript> ValidateScript(SyncScript script);

}  // namespace osgrid::os
