#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (docs/fuzzing.md).

    tests/fuzz/make_corpus.py      # rewrites tests/fuzz/corpus/<target>/seed-*

corpus/fuzz_message/  one real request per message type of the catalogue
                      (docs/protocol-messages.md) and some broken ones
corpus/fuzz_frame/    byte 0 picks the server's --max-frame (bits 0-1; 0: 16 MiB,
                      1: 4096, 2: 64, 3: 0 bytes) and a cluster secret (bit 2);
                      then whole conversations as frames: HELLO first,
                      requests, an upload, bad headers, AUTH with a wrong proof
corpus/fuzz_scenario/ every scenario under scenarios/ and some broken ones

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
    }
    for name, text in broken.items():
        write("fuzz_scenario", f"seed-broken-{name}", text.encode())


if __name__ == "__main__":
    message_corpus()
    frame_corpus()
    scenario_corpus()
