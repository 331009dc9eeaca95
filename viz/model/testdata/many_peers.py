#!/usr/bin/env python3
"""Writes many-peers.trace (on stdout): a tracker's 64 peers joining, 1 to 4
cores each; every third peer runs a task and every fifth has one more waiting.
Written by hand, not recorded: the viewer's topology with a big cluster.

    viz/model/testdata/many_peers.py > viz/model/testdata/many-peers.trace
"""
import json

EPOCH = "t-64peers"
lines = [{"format": "osgrid-trace", "version": 1, "osgrid": "0.1.0", "epoch": EPOCH, "source": "cluster",
          "time_unit": "ms", "cluster": {"peers": 64, "scenario": "64 peers, written by hand"}}]


def event(node, kind, **fields):
    """Appends one event, 5 ms after the one before."""
    seq = len(lines)
    lines.append({"type": kind, "seq": seq, "epoch": EPOCH, "t": 100.0 + 5 * seq, "node": node, **fields})


peers = [f"peer-{9001 + k}" for k in range(64)]
for k, peer in enumerate(peers):
    event("tracker", "peer.joined", peer=peer, address=f"10.0.{k // 16}.{k % 16 + 10}:9000", cores=1 + k % 4)
for k, peer in enumerate(peers):
    if k % 3 == 0:
        task = f"{peer}/1"
        event(peer, "task.submitted", task_id=task, name="work", peer=peer)
        event(peer, "task.queued", task_id=task, peer=peer, queue_length=1)
        event(peer, "task.running", task_id=task, peer=peer)
    if k % 5 == 0:
        task = f"{peer}/2"
        event(peer, "task.submitted", task_id=task, name="work", peer=peer)
        event(peer, "task.queued", task_id=task, peer=peer, queue_length=1)
for line in lines:
    print(json.dumps(line, separators=(",", ":")))
