// The scripts of `osgrid sim sync --demo NAME`: copies of scenarios/sync/*.yaml
// (sync_command_test.cpp checks that they are identical to the files).
#include "sync_demos.h"

namespace osgrid::sim {

const std::vector<SyncDemo>& SyncDemos() {
  static const std::vector<SyncDemo> demos = {
      {"producer-consumer", "scenarios/sync/producer-consumer.yaml",
       R"yaml(# The bounded-buffer problem: Silberschatz 10e, 7.1.1 (Figures 7.1, 7.2);
# OSTEP ch. 31.4 "The Producer/Consumer (Bounded Buffer) Problem".
#
#   osgrid sim sync -f scenarios/sync/producer-consumer.yaml -c
#   osgrid sim sync -f scenarios/sync/producer-consumer.yaml --interleave random -s 7 -c
#
# A buffer of n = 3 slots. `empty` counts the free slots, `full` the filled
# ones, and `mutex` guards the buffer itself. The counter `buffer` is the
# number of items in it: whatever the interleaving, it never goes below 0
# or above 3, and every item produced is consumed.
name: "Bounded buffer: one producer, one consumer, 3 slots"
semaphores: {mutex: 1, empty: 3, full: 0}
processes:
  producer:
    - repeat: 4
      do:
        - compute          # produce an item
        - P empty          # wait for a free slot
        - P mutex
        - inc buffer       # put the item in the buffer
        - V mutex
        - V full           # one more item for the consumer
  consumer:
    - repeat: 4
      do:
        - P full           # wait for an item
        - P mutex
        - dec buffer       # take it out
        - V mutex
        - V empty          # one more free slot
        - inc consumed     # consume it
)yaml"},
      {"readers-writers", "scenarios/sync/readers-writers.yaml",
       R"yaml(# The first readers-writers problem: Silberschatz 10e, 7.1.2 (Figures 7.3,
# 7.4); OSTEP ch. 31.5 "Reader-Writer Locks".
#
#   osgrid sim sync -f scenarios/sync/readers-writers.yaml -c
#
# Readers share the data; a writer needs it alone. `rw_mutex` is held by the
# writer, or by the readers as a group: the first reader in takes it, the
# last reader out gives it back (read_count, guarded by `mutex`, counts the
# readers inside). The counters `reading` and `writing` show who is in the
# data: `writing` is never 1 while `reading` is above 0. (No reader waits
# while a reader is inside, so writers may starve: that is the *first*
# readers-writers problem.)
name: "Readers-writers: two readers share, the writer is alone"
semaphores: {rw_mutex: 1, mutex: 1}
counters: {read_count: 0, reading: 0, writing: 0}
processes:
  reader1: &reader
    - repeat: 2
      do:
        - P mutex
        - inc read_count
        - if read_count == 1 then P rw_mutex    # the first reader locks out writers
        - V mutex
        - inc reading
        - compute 2                             # read
        - dec reading
        - P mutex
        - dec read_count
        - if read_count == 0 then V rw_mutex    # the last reader lets writers in
        - V mutex
  writer:
    - repeat: 2
      do:
        - P rw_mutex
        - inc writing
        - compute 2                             # write
        - dec writing
        - V rw_mutex
  reader2: *reader
)yaml"},
      {"philosophers", "scenarios/sync/philosophers-naive.yaml",
       R"yaml(# The dining-philosophers problem, naive solution: Silberschatz 10e, 7.1.3
# (Figure 7.7); OSTEP ch. 31.6 "The Dining Philosophers".
#
#   osgrid sim sync -f scenarios/sync/philosophers-naive.yaml -c
#
# Five philosophers, five forks (semaphores of value 1); philosopher i uses
# fork i on her left and fork i+1 on her right, and takes the left one
# first. Under round robin with quantum 1 everyone thinks, everyone takes
# her left fork, and everyone waits for her right one, held by her
# neighbour: a cycle in the wait-for graph, a deadlock at t=15.
# With --interleave random most seeds get through, but not all: try
# -s 18 (the same deadlock) or -s 34 (a deadlock after some meals).
name: "Dining philosophers: everyone takes the left fork first"
semaphores: {fork0: 1, fork1: 1, fork2: 1, fork3: 1, fork4: 1}
processes:
  phil0: [{repeat: 2, do: [compute, P fork0, P fork1, inc meals, compute, V fork0, V fork1]}]
  phil1: [{repeat: 2, do: [compute, P fork1, P fork2, inc meals, compute, V fork1, V fork2]}]
  phil2: [{repeat: 2, do: [compute, P fork2, P fork3, inc meals, compute, V fork2, V fork3]}]
  phil3: [{repeat: 2, do: [compute, P fork3, P fork4, inc meals, compute, V fork3, V fork4]}]
  phil4: [{repeat: 2, do: [compute, P fork4, P fork0, inc meals, compute, V fork4, V fork0]}]
)yaml"},
      {"philosophers-fixed", "scenarios/sync/philosophers-fixed.yaml",
       R"yaml(# The dining-philosophers problem without deadlock: Silberschatz 10e, 7.1.3
# (the asymmetric remedy); OSTEP ch. 31.6 ("Breaking The Dependency").
#
#   osgrid sim sync -f scenarios/sync/philosophers-fixed.yaml -c
#
# As philosophers-naive.yaml, except that phil4 takes her right fork (fork0)
# before her left one (fork4). The circular wait cannot form: no
# interleaving deadlocks (try --interleave random with any seed).
# The other remedy of 7.1.3, at most four philosophers at the table, is a
# counting semaphore `room: 4` with `P room` before the forks and `V room`
# after them.
name: "Dining philosophers: the last one takes her right fork first"
semaphores: {fork0: 1, fork1: 1, fork2: 1, fork3: 1, fork4: 1}
processes:
  phil0: [{repeat: 2, do: [compute, P fork0, P fork1, inc meals, compute, V fork0, V fork1]}]
  phil1: [{repeat: 2, do: [compute, P fork1, P fork2, inc meals, compute, V fork1, V fork2]}]
  phil2: [{repeat: 2, do: [compute, P fork2, P fork3, inc meals, compute, V fork2, V fork3]}]
  phil3: [{repeat: 2, do: [compute, P fork3, P fork4, inc meals, compute, V fork3, V fork4]}]
  phil4: [{repeat: 2, do: [compute, P fork0, P fork4, inc meals, compute, V fork0, V fork4]}]
)yaml"},
  };
  return demos;
}

const SyncDemo* FindSyncDemo(const std::string& name) {
  for (const SyncDemo& demo : SyncDemos()) {
    if (demo.name == name) return &demo;
  }
  return nullptr;
}

}  // namespace osgrid::sim
