#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (docs/fuzzing.md).

    tests/fuzz/make_corpus.py      # rewrites tests/fuzz/corpus/<target>/seed-*

corpus/fuzz_message/  one real request per message type of the catalogue
                      (docs/protocol-messages.md) and some broken ones; SUBSCRIBE
                      and EVENTS variants (filters, bounds, a slow subscriber,
                      bad batches); CPU_TASK and CPU_BATCH variants for the typed
                      decoders; replies (CPU_RESULT, ERROR, BATCH_RESULT, MEM_LIST,
                      FILE_LIST, TASKS), whole and out of protocol
corpus/fuzz_frame/    byte 0 picks the server's --max-frame (bits 0-1; 0: 16 MiB,
                      1: 4096, 2: 64, 3: 0 bytes), a cluster secret (bit 2) and
                      with it an observer secret (bit 3);
                      then whole conversations as frames: HELLO first,
                      requests, an upload, bad headers, AUTH with a wrong proof,
                      SUBSCRIBE with and without the observer credential
corpus/fuzz_scenario/ every scenario under scenarios/ and some broken ones
corpus/fuzz_event/    one event per type of the event catalogue (docs/events.md),
                      every outcome and reason, a peer's event as EVENTS carries
                      it, a snapshot, broken events, and trace files: whole, cut,
                      out of order, with a newer version or an unknown type, with
                      a recorder's gap

Only files named seed-* are rewritten; inputs added by hand (e.g. a fixed
crash, see docs/fuzzing.md) are kept.
"""
import hashlib
import json
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent

VERSION = 3  # params::kProtocolVersion
SHA = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # sha256("abc")
PROGRAM = "def main(n):\n    return n * n\n"
PROGRAM_SHA = hashlib.sha256(PROGRAM.encode()).hexdigest()

# One real request per type, as clients, peers and the tracker send them.
REQUESTS = {
    "HELLO": {"version": VERSION, "role": "client", "node": "peer-1"},
    "AUTH": {"proof": "00" * 32},
    "PING": {},
    "STATUS": {},
    "REGISTER": {"peer_id": "peer-9000", "port": 9000, "cores": 2, "host": "127.0.0.1"},
    "HEARTBEAT": {"peer_id": "peer-1", "queue_length": 0, "running": 1, "load": 0.5, "tasks_done": 3,
                  "mem_entries": 1, "mem_bytes": 8, "disk_bytes": 3},
    "UNREGISTER": {"peer_id": "peer-1"},
    "PEER_LIST": {},
    "PICK_PEER": {"count": 2, "exclude": ["peer-2"]},
    "CPU_TASK": {"program": PROGRAM, "program_sha256": PROGRAM_SHA, "function": "main", "args": [12], "confidential": False,
                 "timeout_ms": 5000, "task_id": "c/1"},
    "CPU_BATCH": {"tasks": [{"program": PROGRAM, "program_sha256": PROGRAM_SHA, "function": "main", "args": [i]}
                            for i in range(3)],
                  "confidential": True},
    "SET_MEM": {"key": "k", "value": {"a": [1, 2.5, "x", None, True]}},
    "GET_MEM": {"key": "k"},
    "DEL_MEM": {"key": "k"},
    "LIST_MEM": {},
    "PUT_FILE": {"name": "a.bin", "size": 3},
    "PUT_END": {"sha256": SHA},
    "GET_FILE": {"name": "a.bin"},
    "LIST_FILES": {},
    "DEL_FILE": {"name": "a.bin"},
}
EMPTY_SHA = hashlib.sha256(b"").hexdigest()


def peer_event(kind, **fields):
    """An event as a peer sends it in EVENTS: not yet numbered (seq 0, no epoch)."""
    return dict({"type": kind, "seq": 0, "epoch": "", "t": 12.5, "node": "peer-9001"}, **fields)


PEER_EVENTS = [
    peer_event("task.submitted", task_id="peer-9001/1", name="main", peer="peer-9001"),
    peer_event("task.queued", task_id="peer-9001/1", peer="peer-9001", queue_length=1),
    peer_event("task.running", task_id="peer-9001/1", peer="peer-9001"),
    peer_event("task.finished", task_id="peer-9001/1", peer="peer-9001", outcome="ok", wait_ms=1, cpu_ms=2.5,
               turnaround_ms=4),
    peer_event("mem.set", peer="peer-9001", key="k", bytes=5),
    peer_event("file.stored", peer="peer-9001", name="a.bin", bytes=3),
    peer_event("events.lost", count=2),
]

# Appended, so the seeds above keep their ids and first bytes.
REQUESTS["EVENTS"] = {"peer_id": "peer-9001", "events": PEER_EVENTS}
REQUESTS["SUBSCRIBE"] = {"types": ["task", "peer.dead"], "queue_bytes": 1024, "name": "osgrid events"}
REQUESTS["TASK_LIST"] = {}  # last, so that the seeds before it keep their ids


def task(program=PROGRAM, **fields):
    return dict({"program": program, "program_sha256": hashlib.sha256(program.encode()).hexdigest(),
                 "function": "main", "args": [3]}, **fields)


# More requests, for the paths past validation: SUBSCRIBE's options and the
# hub (the id's low bits pick how the subscriber's session reads: 1 pulls on
# every wake, 2 at most 512 bytes of it, 4 hangs up when cut off; the
# payload's bytes are its script), EVENTS batches, the typed CPU decoders.
MORE_MESSAGES = {
    "subscribe-all": {"type": "SUBSCRIBE", "id": 8},
    "subscribe-slow": {"type": "SUBSCRIBE", "id": 4, "queue_bytes": 1024, "name": "A" * 60},
    "subscribe-pulls-on-wake": {"type": "SUBSCRIBE", "id": 3, "types": ["task.", "mem", "events.lost"],
                                "name": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"},
    "subscribe-unknown-type": {"type": "SUBSCRIBE", "id": 1, "types": ["task", "tasks"]},
    "subscribe-empty-prefix": {"type": "SUBSCRIBE", "id": 1, "types": [""]},
    "subscribe-bad-types": {"type": "SUBSCRIBE", "id": 1, "types": ["task", 7]},
    "subscribe-small-bound": {"type": "SUBSCRIBE", "id": 1, "queue_bytes": 1023},
    "subscribe-huge-bound": {"type": "SUBSCRIBE", "id": 1, "queue_bytes": 18446744073709551615},
    "events-one": {"type": "EVENTS", "id": 2, "peer_id": "peer-9001", "events": PEER_EVENTS[:1]},
    "events-not-sender": {"type": "EVENTS", "id": 2, "peer_id": "peer-9002", "events": PEER_EVENTS},
    "events-peer-joined": {"type": "EVENTS", "id": 2, "peer_id": "peer-9001", "events": [
        peer_event("peer.joined", peer="peer-9001", address="127.0.0.1:9001", cores=2)]},
    "events-unknown-type": {"type": "EVENTS", "id": 2, "peer_id": "peer-9001", "events": [
        PEER_EVENTS[0], peer_event("task.done", task_id="x")]},
    "events-empty": {"type": "EVENTS", "id": 2, "peer_id": "peer-9001", "events": []},
    "events-lost-many": {"type": "EVENTS", "id": 2, "peer_id": "peer-9001", "events": [
        peer_event("events.lost", count=i) for i in range(1, 40)]},
    "cpu_task-forwarded": dict(task(timeout_ms=1000, task_id="peer-9002/7", submitted_t=1530.25),
                               type="CPU_TASK", id=5, forwarded=True, origin="peer-9002"),
    "cpu_task-subtask": dict(task(task_id="peer-9002/8", parent="peer-9002/7", root="peer-9002/7", priority=0),
                             type="CPU_TASK", id=5, forwarded=True, origin="peer-9002"),
    "cpu_task-long-parent": dict(task(parent="p" * 201), type="CPU_TASK", id=5, forwarded=True),
    "task_cancel-group": {"type": "TASK_CANCEL", "id": 6, "task_id": "peer-9001/3", "group": True, "root": "peer-9001/3"},
    "task_cancel-group-bad": {"type": "TASK_CANCEL", "id": 6, "task_id": "peer-9001/3", "group": "yes"},
    "cpu_task-empty-program": dict(task(program="", args=[[1, {"a": None}], "x", 2.5, -0.0]),
                                   type="CPU_TASK", id=5, confidential=True),
    "cpu_task-wrong-digest": dict(task(), type="CPU_TASK", id=5, program_sha256="0" * 64),
    "cpu_task-upper-digest": dict(task(), type="CPU_TASK", id=5, program_sha256=PROGRAM_SHA.upper()),
    "cpu_task-timeout-zero": dict(task(timeout_ms=0), type="CPU_TASK", id=5),
    "cpu_task-timeout-over": dict(task(timeout_ms=24 * 3600 * 1000 + 1), type="CPU_TASK", id=5),
    "cpu_task-no-function": dict(task(function=""), type="CPU_TASK", id=5),
    "cpu_task-bad-submitted": dict(task(submitted_t="now"), type="CPU_TASK", id=5),
    "cpu_batch-forwarded": {"type": "CPU_BATCH", "id": 6, "forwarded": True, "origin": "peer-9002",
                            "tasks": [task(task_id=f"peer-9002/{i}", timeout_ms=100 + i, submitted_t=i)
                                      for i in range(4)]},
    "cpu_batch-bad-third": {"type": "CPU_BATCH", "id": 6, "tasks": [task(), task(), task(program="x")]},
    "cpu_batch-entry-not-object": {"type": "CPU_BATCH", "id": 6, "tasks": [task(), 5]},
    "cpu_batch-empty": {"type": "CPU_BATCH", "id": 6, "tasks": []},
    "cpu_batch-bad-origin": {"type": "CPU_BATCH", "id": 6, "origin": 5, "tasks": [task()]},
}

# Replies a client decodes (net/requests.h), as peers send them and out of protocol.
REPLIES = {
    "cpu_result": {"type": "CPU_RESULT", "id": 5, "result": 9, "task_id": "peer-1/1", "peer": "peer-1",
                   "stdout": "hi\n", "stderr": "", "output_truncated": False, "queued_ms": 1, "run_ms": 2,
                   "submitted_to": "peer-1", "forwarded": False, "total_ms": 3},
    "error": {"type": "ERROR", "id": 5, "code": "TASK_FAILED", "message": "ValueError: x",
              "detail": "Traceback (most recent call last):", "task_id": "peer-1/1", "peer": "peer-1"},
    "error-unknown-code": {"type": "ERROR", "id": 5, "code": "NOPE", "message": 7},
    "batch_result": {"type": "BATCH_RESULT", "id": 6, "total_ms": 9, "peers": {"peer-1": 1, "peer-2": 1},
                     "results": [{"index": 0, "ok": True, "result": [1], "task_id": "peer-1/1", "peer": "peer-1",
                                  "total_ms": 4},
                                 {"index": 1, "ok": False, "type": "ERROR", "code": "TIMEOUT", "message": "late",
                                  "task_id": "peer-2/1", "peer": "peer-2"}]},
    "batch_result-old-peer": {"type": "BATCH_RESULT", "id": 6, "results": [{"ok": True, "result": None}]},
    "batch_result-bad-entry": {"type": "BATCH_RESULT", "id": 6, "results": [{"ok": "yes"}], "peers": {"p": 1.5}},
    "batch_result-bad-index": {"type": "BATCH_RESULT", "id": 6, "results": [{"ok": True, "index": -1}]},
    "mem_list": {"type": "MEM_LIST", "id": 7, "keys": [{"key": "k", "bytes": 5}], "entries": 1, "bytes": 5,
                 "limit_bytes": 67108864},
    "mem_list-bad": {"type": "MEM_LIST", "id": 7, "keys": [{"key": 1}, 2], "bytes": -1},
    "file_list": {"type": "FILE_LIST", "id": 8, "files": [{"name": "a.bin", "size": 3, "sha256": SHA,
                                                           "mtime_ms": 1733400000000.5}],
                  "used_bytes": 3, "limit_bytes": 1073741824},
    "file_list-bad": {"type": "FILE_LIST", "id": 8, "files": [{"name": "a", "size": "3"}], "used_bytes": 1.5},
    "tasks": {"type": "TASKS", "id": 9, "seq": 42, "tasks": [
        {"task_id": "peer-1/1", "name": "main", "peer": "peer-2", "state": "running", "priority": 1, "cpu_ms": 1250.5,
         "submitted_t": 100.25},
        {"task_id": "peer-1/2", "name": "leaf", "peer": "peer-1", "state": "waiting", "cpu_ms": 35,
         "parent": "peer-1/1", "submitted_t": 130},
        {"task_id": "peer-1/3", "name": "leaf", "peer": "peer-3", "state": "zombie", "cpu_ms": 20,
         "parent": "peer-1/1", "submitted_t": 131}]},
    "tasks-bad": {"type": "TASKS", "id": 9, "seq": -1, "tasks": [{"task_id": 1, "priority": None}, 2]},
}

BROKEN_MESSAGES = [
    b"",
    b"[]",
    b"null",
    b'{"id":1}',
    b'{"type":"NOPE","id":1}',
    b'{"type":"PING"}',
    b'{"type":"PING","id":"1"}',
    b'{"type":"SET_MEM","id":1,"key":"k"}',
    b'{"type":"REGISTER","id":1,"peer_id":"p","port":"9000","cores":2}',
    b'{"type":"REGISTER","id":1,"peer_id":"p","port":-1,"cores":99999999999}',
    b'{"type":"REGISTER","id":1,"peer_id":"","port":18446744073709551615,"cores":0}',
    b'{"type":"PICK_PEER","id":1,"count":0}',
    b'{"type":"PICK_PEER","id":1,"exclude":[1,null,"peer-1"]}',
    b'{"type":"SET_MEM","id":1,"key":"a\\u0001b","value":1}',
    b'{"type":"SET_MEM","id":1,"key":"' + b"k" * 300 + b'","value":1}',
    b'{"type":"SET_MEM","id":1,"key":"big","value":"' + b"v" * 5000 + b'"}',
    b'{"type":"PUT_FILE","id":1,"name":"../etc/passwd","size":-5}',
    b'{"type":"PUT_END","id":1}',
    b'{"type":"GET_FILE","id":1,"name":"\xff\xfe"}',
    b'{"type":"PING","id":1,"x":1e999}',
    b'{"type":"PING","id":1,"x":' + b"[" * 200 + b"]" * 200 + b"}",
    b'{"type":"HEARTBEAT","id":1,"peer_id":"peer-1","queue_length":1,"running":0,"tasks_done":null}',
    b'{"type":"PING","id":1,"id":2}',
    b'{"type":"PING","id":1} trailing',
    b'{"type":"\xc3\x28","id":1}',
]


# One event per type, as the cluster and the simulators publish them (docs/events.md).
EVENTS = {
    "peer.joined": {"peer": "peer-9001", "address": "127.0.0.1:9001", "cores": 2},
    "peer.left": {"peer": "peer-9001", "reason": "shutdown"},
    "peer.dead": {"peer": "peer-9002", "silent_ms": 30012.5},
    "peer.load": {"peer": "peer-9001", "running": 2, "queued": 5, "cores": 2, "mem_keys": 2, "mem_used_bytes": 12,
                  "disk_used_bytes": 5000},
    "task.submitted": {"task_id": "peer-9001/17", "name": "main", "peer": "peer-9001"},
    "task.forwarded": {"task_id": "peer-9001/17", "parent": "peer-9001/3", "from": "peer-9001", "to": "peer-9002"},
    "task.queued": {"task_id": "peer-9001/17", "peer": "peer-9002", "queue_length": 3},
    "task.running": {"task_id": "peer-9001/17", "peer": "peer-9002"},
    "task.preempted": {"task_id": "A", "peer": "", "reason": "quantum"},
    "task.blocked": {"task_id": "A", "peer": "", "on": "io"},
    "task.zombie": {"task_id": "peer-9001/5", "parent": "peer-9001/3", "peer": "peer-9002", "outcome": "ok"},
    "task.reparented": {"task_id": "peer-9001/5", "parent": "peer-9001/init", "from": "peer-9001/3",
                        "peer": "peer-9001"},
    "task.finished": {"task_id": "peer-9001/17", "parent": "peer-9001/3", "peer": "peer-9002", "outcome": "ok",
                      "wait_ms": 3, "cpu_ms": 41.5, "turnaround_ms": 50},
    "cpu.switch": {"from": "A", "to": "B", "peer": "", "cost_ms": 1},
    "mem.set": {"peer": "peer-9001", "key": "greeting", "bytes": 5},
    "mem.del": {"peer": "peer-9001", "key": "greeting", "bytes": 5},
    "file.stored": {"peer": "peer-9001", "name": "a.bin", "bytes": 1048576},
    "file.removed": {"peer": "peer-9001", "name": "a.bin", "bytes": 1048576},
    "mem.alloc": {"owner": "ptr[0]", "address": 1000, "size": 104, "request": 100},
    "mem.free": {"owner": "ptr[0]", "address": 1000, "size": 104},
    "mem.failed": {"owner": "ptr[3]", "request": 500, "reason": "fragmentation", "free_bytes": 600,
                   "free_holes": 3, "largest_hole": 300},
    "mem.compact": {"moved_blocks": 2, "moved_bytes": 208},
    "page.hit": {"page": 3, "frame": 1},
    "page.fault": {"page": 5, "frame": 0},
    "page.evict": {"page": 1, "frame": 0},
    "resource.request": {"task_id": "peer-9001/3", "peer": "peer-9001", "kind": "lock", "name": "fork-1",
                         "op": "acquire", "count": 1, "blocked": True, "available": 0},
    "resource.grant": {"task_id": "peer-9001/3", "peer": "peer-9001", "kind": "lock", "name": "fork-1",
                       "op": "acquire", "count": 1, "waited_ms": 12.5, "available": 0},
    "resource.release": {"task_id": "peer-9002/5", "peer": "peer-9002", "kind": "resource", "name": "tape",
                         "op": "release", "count": 2, "reason": "task ended (killed)", "available": 3},
    "resource.cancel": {"task_id": "peer-9002/6", "peer": "peer-9002", "kind": "semaphore", "name": "full",
                        "op": "wait", "count": 1, "reason": "timed out"},
    "deadlock.found": {"cycle": ["P1", "P2", "P3"], "resources": ["R1", "R2", "R3"]},
    "deadlock.victim": {"task_id": "peer-9002/5", "peer": "peer-9002", "held": 1,
                        "rule": "holds the fewest instances (1); youngest on a tie"},
    "deadlock.stall": {"tasks": ["peer-9001/3", "peer-9002/4"], "waiting": ["semaphore full (wait)", "child"]},
    "events.lost": {"count": 12},
}

# The values an event's enumerations and reasons take besides the seeds' above.
VARIANTS = {
    **{f"task.finished-{outcome}": ("task.finished", dict(EVENTS["task.finished"], outcome=outcome))
       for outcome in ["failed", "timeout", "cancelled", "killed", "aborted", "lost"]},
    "peer.left-replaced": ("peer.left", dict(EVENTS["peer.left"], reason="replaced")),
    "task.preempted-preempted": ("task.preempted", dict(EVENTS["task.preempted"], reason="preempted")),
    "task.submitted-parent": ("task.submitted", dict(EVENTS["task.submitted"], parent="peer-9001/3")),
    # Fields added later (the seeds above are as older writers wrote them, without).
    "task.submitted-priority": ("task.submitted", dict(EVENTS["task.submitted"], priority=2)),
    "task.preempted-cpu": ("task.preempted", dict(EVENTS["task.preempted"], cpu_ms=1250.5)),
    "task.blocked-cpu": ("task.blocked", dict(EVENTS["task.blocked"], cpu_ms=35)),
    "task.zombie-failed": ("task.zombie", dict(EVENTS["task.zombie"], outcome="failed")),
    "mem.failed-no_space": ("mem.failed", dict(EVENTS["mem.failed"], reason="no_space")),
    "mem.failed-bad_size": ("mem.failed", dict(EVENTS["mem.failed"], request=0, reason="bad_size")),
    "deadlock.found-no-resources": ("deadlock.found", {"cycle": ["P1", "P2"], "resources": []}),
    "deadlock.found-tracker": ("deadlock.found", dict(
        EVENTS["deadlock.found"], peers=["peer-9001", "peer-9002", "peer-9001"], deadlocked=["P1", "P2", "P3", "P4"],
        algorithm="multi-instance detection")),
    "resource.request-granted": ("resource.request", dict(EVENTS["resource.request"], blocked=False, available=1)),
}

SNAPSHOT = {"seq": 41, "epoch": "t-5f3a", "t": 1530.5, "peers": [
    {"peer": "peer-9001", "address": "127.0.0.1:9001", "cores": 2, "policy": "fcfs",
     "ready_queue": [{"task_id": "peer-9001/18", "name": "main"}, {"task_id": "peer-9001/19", "parent": "peer-9001/3",
                                                                   "name": "square"}],
     "running": [{"task_id": "peer-9001/17", "name": "main"}], "mem_used_bytes": 12, "mem_limit_bytes": 67108864,
     "mem_keys": 2, "disk_used_bytes": 5000, "disk_limit_bytes": 4294967296, "disk_files": 1,
     "last_heartbeat_t": 1500, "tasks_finished": 9}]}

# The same, as a writer with a process tree writes it: blocked tasks and zombies too.
SNAPSHOT_TREE = {**SNAPSHOT, "peers": [dict(
    SNAPSHOT["peers"][0], waiting=[{"task_id": "peer-9001/3", "name": "main"}],
    zombies=[{"task_id": "peer-9001/5", "parent": "peer-9001/3", "name": "square"},
             {"task_id": "peer-9001/6", "parent": "peer-9001/init", "name": "square"}])]}

# The same, with the tracker's cluster objects (written by trackers that have them).
SNAPSHOT_RESOURCES = {**SNAPSHOT, "resources": [
    {"kind": "lock", "name": "fork-1", "instances": 1, "available": 0,
     "holders": [{"task_id": "peer-9001/17", "peer": "peer-9001", "count": 1, "op": ""}],
     "waiters": [{"task_id": "peer-9001/18", "peer": "peer-9001", "count": 1, "op": "acquire"}]},
    {"kind": "semaphore", "name": "full", "instances": 0, "available": 0, "holders": [], "waiters": []}]}

BROKEN_EVENTS = [
    b'{"seq":1}',
    b'{"type":5}',
    b'{"type":"task.done","seq":1,"epoch":"e","t":0,"node":"n"}',
    b'{"type":"task.finished","seq":1,"epoch":"e","t":0,"node":"p","task_id":"p/1","peer":"p","outcome":"done",'
    b'"wait_ms":0,"cpu_ms":0,"turnaround_ms":0}',
    b'{"type":"task.running","seq":-1,"epoch":"e","t":0,"node":"p","task_id":"p/1","peer":"p"}',
    b'{"type":"task.running","seq":18446744073709551616,"epoch":"e","t":1e308,"node":"p","task_id":"p/1","peer":"p"}',
    b'{"type":"task.running","seq":1,"epoch":"e","t":0,"node":"p","task_id":"p/1","parent":null,"peer":"p"}',
    b'{"type":"peer.load","seq":1,"epoch":"e","t":0,"node":"p","peer":"p","running":2147483648,"queued":0,"cores":1}',
    b'{"type":"page.hit","seq":1,"epoch":"e","t":0,"node":"sim","page":-9223372036854775809,"frame":0}',
    b'{"type":"deadlock.found","seq":1,"epoch":"e","t":0,"node":"sim","cycle":["P1",2],"resources":{}}',
    b'{"seq":1,"epoch":"e","t":0,"peers":[{"peer":"p","ready_queue":[1]}]}',
    b'{"type":"task.zombie","seq":1,"epoch":"e","t":0,"node":"p","task_id":"p/2","parent":"p/1","peer":"p",'
    b'"outcome":"zombie"}',
    b'{"type":"resource.request","seq":1,"epoch":"e","t":0,"node":"tracker","task_id":"p/1","peer":"p",'
    b'"kind":"lock","name":"fork-1","op":"acquire","count":1,"blocked":1,"available":0}',
    b'{"seq":1,"epoch":"e","t":0,"peers":[],"resources":[{"kind":"lock","name":"f","instances":1,"available":0,'
    b'"holders":[{"task_id":"p/1"}],"waiters":[]}]}',
]


def event(kind, seq, /, epoch="t-5f3a", t=None, **fields):
    # kind and seq are positional only: resource.* events have a field named kind.
    return dict({"type": kind, "seq": seq, "epoch": epoch, "t": float(seq) if t is None else t,
                 "node": "peer-9001"}, **fields)


def trace_header(version=1, source="cluster"):
    return {"format": "osgrid-trace", "version": version, "osgrid": "0.1.0", "epoch": "t-5f3a", "source": source,
            "time_unit": "ms" if source == "cluster" else "tick", "cluster": {"scenario": "quickstart"}}


def trace(header, events):
    return b"".join(dumps(line) + b"\n" for line in [header] + events)


def request(kind, ident, **fields):
    return dict({"type": kind, "id": ident}, **fields)


def dumps(message):
    return json.dumps(message, separators=(",", ":")).encode()


def frame(payload, binary=False):
    return struct.pack(">I", len(payload) | (0x80000000 if binary else 0)) + payload


def hello():
    return frame(dumps(request("HELLO", 0, **REQUESTS["HELLO"])))


def write(folder, name, data):
    path = HERE / "corpus" / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def clear(folder):
    for old in (HERE / "corpus" / folder).glob("seed-*"):
        old.unlink()


def message_corpus():
    clear("fuzz_message")
    for i, (kind, fields) in enumerate(REQUESTS.items()):
        write("fuzz_message", f"seed-{kind.lower()}.json", dumps(request(kind, i + 1, **fields)))
    for i, data in enumerate(BROKEN_MESSAGES):
        write("fuzz_message", f"seed-broken-{i:02d}.json", data)
    for name, message in MORE_MESSAGES.items():
        write("fuzz_message", f"seed-{name}.json", dumps(message))
    for name, reply in REPLIES.items():
        write("fuzz_message", f"seed-reply-{name}.json", dumps(reply))


def frame_corpus():
    clear("fuzz_frame")
    for i, (kind, fields) in enumerate(REQUESTS.items()):
        stream = hello() + frame(dumps(request(kind, i + 1, **fields)))
        write("fuzz_frame", f"seed-{kind.lower()}", bytes([i % 2]) + stream)
    upload = frame(dumps(request("PUT_FILE", 2, **REQUESTS["PUT_FILE"]))) + frame(b"ab", True) + frame(b"c", True)
    end = frame(dumps(request("PUT_END", 2, **REQUESTS["PUT_END"])))
    write("fuzz_frame", "seed-upload", b"\x00" + hello() + upload + end + frame(dumps(request("PING", 3))))
    write("fuzz_frame", "seed-upload-bad-trailer", b"\x00" + hello() + upload + frame(
        dumps(request("PUT_END", 7, sha256="x"))) + frame(dumps(request("PING", 3))))
    write("fuzz_frame", "seed-upload-data-after-end", b"\x00" + hello() + upload + frame(b"d", True))
    write("fuzz_frame", "seed-upload-too-much", b"\x00" + hello() + frame(
        dumps(request("PUT_FILE", 2, **REQUESTS["PUT_FILE"]))) + frame(b"abcd", True))
    write("fuzz_frame", "seed-upload-json-inside", b"\x00" + hello() + frame(
        dumps(request("PUT_FILE", 2, **REQUESTS["PUT_FILE"]))) + frame(dumps(request("PING", 3))))
    write("fuzz_frame", "seed-no-hello", b"\x00" + frame(dumps(request("PING", 1))))
    write("fuzz_frame", "seed-wrong-version", b"\x00" + frame(dumps(request("HELLO", 0, version=VERSION - 1, role="client"))))
    write("fuzz_frame", "seed-hello-twice", b"\x00" + hello() + hello())
    nonce = "0123456789abcdef" * 4
    secret_hello = frame(dumps(request("HELLO", 0, version=VERSION, role="client", nonce=nonce)))
    write("fuzz_frame", "seed-secret-wrong-proof", b"\x04" + secret_hello + frame(
        dumps(request("AUTH", 1, proof="ab" * 32))) + frame(dumps(request("PING", 2))))
    write("fuzz_frame", "seed-secret-no-nonce", b"\x04" + hello())
    write("fuzz_frame", "seed-secret-bad-nonce", b"\x05" + frame(
        dumps(request("HELLO", 0, version=VERSION, role="client", nonce="xyz"))))
    write("fuzz_frame", "seed-secret-ping-first", b"\x04" + secret_hello + frame(dumps(request("PING", 1))))
    observer_hello = frame(dumps(request("HELLO", 0, version=VERSION, role="client", nonce=nonce,
                                         credential="observer")))
    write("fuzz_frame", "seed-observer-wrong-proof", b"\x0c" + observer_hello + frame(
        dumps(request("AUTH", 1, proof="ab" * 32))))
    write("fuzz_frame", "seed-observer-no-observers", b"\x04" + observer_hello + frame(
        dumps(request("AUTH", 1, proof="ab" * 32))))
    write("fuzz_frame", "seed-observer-bad-credential", b"\x0c" + frame(
        dumps(request("HELLO", 0, version=VERSION, role="client", nonce=nonce, credential="root"))))
    subscribe = frame(dumps(request("SUBSCRIBE", 1, **REQUESTS["SUBSCRIBE"])))
    events = frame(dumps(request("EVENTS", 2, **REQUESTS["EVENTS"])))
    open_observer_hello = frame(dumps(request("HELLO", 0, version=VERSION, role="client", credential="observer")))
    # An open server ignores the credential: the observer's SUBSCRIBE and EVENTS both pass.
    write("fuzz_frame", "seed-subscribe-observer-open", b"\x00" + open_observer_hello + subscribe + events)
    # With observers, SUBSCRIBE is an observer's and EVENTS a member's, once AUTH is done (the fuzzer cannot).
    write("fuzz_frame", "seed-subscribe-observer", b"\x0c" + observer_hello + frame(
        dumps(request("AUTH", 1, proof="ab" * 32))) + subscribe)
    write("fuzz_frame", "seed-subscribe-member-secret", b"\x0c" + secret_hello + frame(
        dumps(request("AUTH", 1, proof="ab" * 32))) + subscribe + events)
    write("fuzz_frame", "seed-subscribe-no-hello", b"\x00" + subscribe)
    write("fuzz_frame", "seed-subscribe-then-events", b"\x01" + hello() + subscribe + events + frame(
        dumps(request("SUBSCRIBE", 3, types=[7], queue_bytes="x"))))
    write("fuzz_frame", "seed-auth-when-open", b"\x00" + hello() + frame(dumps(request("AUTH", 1, proof="ab"))))
    write("fuzz_frame", "seed-pre-auth-too-large", b"\x00" + struct.pack(">I", 4097) + b"{}")
    write("fuzz_frame", "seed-binary-outside-upload", b"\x00" + hello() + frame(b"\x00\x01", True))
    write("fuzz_frame", "seed-too-large-64", b"\x02" + frame(b"x" * 65))
    write("fuzz_frame", "seed-too-large-16m", b"\x00" + struct.pack(">I", (16 << 20) + 1))
    write("fuzz_frame", "seed-zero-limit", b"\x03" + frame(b""))
    write("fuzz_frame", "seed-short-body", b"\x01" + hello() + struct.pack(">I", 100) + b"{}")
    write("fuzz_frame", "seed-short-header", b"\x00" + hello() + b"\x00\x00")
    write("fuzz_frame", "seed-malformed-json", b"\x01" + hello() + frame(b"{not json"))
    write("fuzz_frame", "seed-many-pings", b"\x01" + hello() + b"".join(
        frame(dumps(request("PING", i))) for i in range(1, 20)))


def scenario_corpus():
    clear("fuzz_scenario")
    for path in sorted((ROOT / "scenarios").rglob("*.yaml")):
        name = path.relative_to(ROOT / "scenarios").as_posix().replace("/", "-")
        write("fuzz_scenario", f"seed-{name}", path.read_bytes())
    broken = {
        "empty.yaml": "",
        "not-a-map.yaml": "- 1\n- 2\n",
        "no-steps.yaml": "name: x\n",
        "bad-indent.yaml": "name: x\nsteps:\n  - say: hi\n   - sleep: 1\n",
        "unknown-step.yaml": "name: x\nsteps:\n  - sya: hi\n",
        "two-actions.yaml": "name: x\nsteps:\n  - say: hi\n    sleep: 1\n",
        "bad-peer.yaml": "name: x\ncluster: {peers: 2}\nsteps:\n  - mem_get: {on: peer-3, key: k}\n",
        "bad-cluster.yaml": "name: x\ncluster: {peers: 0, cores: 99, heartbeat_interval: 5, peer_timeout: 1}\n"
                            "steps:\n  - say: hi\n",
        "bad-expect.yaml": "name: x\nsteps:\n  - cpu: {on: peer-1, program: 'def main(): return 1'}\n"
                           "    expect: {error: NOT_A_CODE, resul: 1}\n",
        "huge-number.yaml": "name: x\nsteps:\n  - sleep: 1e999\n  - sleep: 99999999999999999999\n",
        "sim-bad.yaml": "name: x\nsteps:\n  - sim: nosuch\n  - sim: sched\n    args: \"-l '5,10\"\n"
                        "    policies: FCFS\n",
        "file-missing.yaml": "name: x\nsteps:\n  - cpu: {on: peer-1, file: nope.py}\n",
        "file-device.yaml": "name: x\nsteps:\n  - cpu: {on: peer-1, file: /dev/zero}\n",
        "anchors.yaml": "name: x\nsteps:\n  - &a {say: hi}\n  - *a\n  - {<<: *a}\n",
        "tags.yaml": "name: !!str 5\nsteps:\n  - say: !!binary aGk=\n  - sleep: !!float 1\n",
        "deep.yaml": "name: x\nsteps:\n  - mem_set: {on: peer-1, key: k, value: " + "[" * 50 + "]" * 50 + "}\n",
        "scheduling.yaml": "name: x\ncluster: {peers: 2, scheduler: [rr, sfj], quantum: 0, mlfq_boost: 5}\n"
                           "steps:\n  - batch: {on: peer-1, program: 'def main(): 1', each: [[]], tasks: [{args: 1}],"
                           " priority: urgent, burst_ms: -1}\n  - gantt: {peers: [peer-3]}\n"
                           "    expect: {lowest_avg_waiting: peer-9, avg_waiting_ms_below: {peer-1: 0}}\n",
        "deadlock.yaml": "name: x\ncluster: {peers: 2, deadlock: recovr}\nsteps:\n"
                         "  - cpu: {on: peer-1, program: 'def main(): 1', claims: {fork-1: 0, '': 1}}\n"
                         "  - batch: {on: peer-2, program: 'def main(): 1', claims: [fork-1],"
                         " tasks: [{args: [], claims: {fork-2: 1}}]}\n"
                         "  - deadlock: {mode: avoid, name: fork-1}\n"
                         "    expect: {found: true, cycle_length: 0, victims: -1, stall: maybe}\n",
    }
    for name, text in broken.items():
        write("fuzz_scenario", f"seed-broken-{name}", text.encode())


def event_corpus():
    clear("fuzz_event")
    for i, (kind, fields) in enumerate(EVENTS.items()):
        write("fuzz_event", f"seed-{kind}.json", dumps(event(kind, i + 1, **fields)))
    for name, (kind, fields) in VARIANTS.items():
        write("fuzz_event", f"seed-{name}.json", dumps(event(kind, 7, **fields)))
    write("fuzz_event", "seed-peer-event.json", dumps(PEER_EVENTS[3]))
    write("fuzz_event", "seed-snapshot.json", dumps(SNAPSHOT))
    write("fuzz_event", "seed-snapshot-tree.json", dumps(SNAPSHOT_TREE))
    write("fuzz_event", "seed-snapshot-resources.json", dumps(SNAPSHOT_RESOURCES))
    write("fuzz_event", "seed-snapshot-empty.json", dumps({"seq": 0, "epoch": "", "t": 0, "peers": []}))
    for i, data in enumerate(BROKEN_EVENTS):
        write("fuzz_event", f"seed-broken-{i:02d}.json", data)
    life = [event("task.submitted", 1, **EVENTS["task.submitted"]),
            event("task.forwarded", 2, **EVENTS["task.forwarded"]),
            event("task.queued", 3, **EVENTS["task.queued"]),
            event("task.running", 4, **EVENTS["task.running"]),
            event("task.finished", 5, **EVENTS["task.finished"])]
    every = [event(kind, i + 1, **fields) for i, (kind, fields) in enumerate(EVENTS.items())]
    write("fuzz_event", "seed-trace-task.trace", trace(trace_header(), life))
    write("fuzz_event", "seed-trace-every-type.trace", trace(trace_header(), every))
    write("fuzz_event", "seed-trace-sim.trace", trace(trace_header(source="sim"), [
        event("task.submitted", 1, epoch="sim", t=0, task_id="A", name="A", peer=""),
        event("task.preempted", 2, epoch="sim", t=2, task_id="A", peer="", reason="quantum")]))
    write("fuzz_event", "seed-trace-header-only.trace", trace(trace_header(), []))
    write("fuzz_event", "seed-trace-cut.trace", trace(trace_header(), life)[:-20])
    write("fuzz_event", "seed-trace-no-final-newline.trace", trace(trace_header(), life)[:-1])
    write("fuzz_event", "seed-trace-backwards.trace", trace(trace_header(), [life[2], life[0]]))
    write("fuzz_event", "seed-trace-new-epoch.trace", trace(trace_header(), life[:2] + [
        event("task.submitted", 1, epoch="t-77aa", **EVENTS["task.submitted"])]))
    write("fuzz_event", "seed-trace-newer-version.trace", trace(trace_header(version=2), life))
    write("fuzz_event", "seed-trace-unknown-type.trace", trace(trace_header(), [
        life[0], event("arena.split", 2, block=4), life[1]]))
    write("fuzz_event", "seed-trace-bad-line.trace", trace(trace_header(), life[:2]) + b"{not json\n" + b"\n")
    write("fuzz_event", "seed-trace-bad-header.trace", b'{"format":"osgrid-trace","version":1,"source":"replay"}\n')
    write("fuzz_event", "seed-trace-no-header.trace", trace(life[0], life[1:]))
    # A recorder cut off by the tracker: the seq jumps, and it writes the gap as events.lost.
    write("fuzz_event", "seed-trace-gap.trace", trace(trace_header(), life[:2] + [
        event("events.lost", 3, count=40), event("task.finished", 43, **EVENTS["task.finished"])]))


if __name__ == "__main__":
    message_corpus()
    frame_corpus()
    scenario_corpus()
    event_corpus()
