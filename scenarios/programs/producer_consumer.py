"""The bounded buffer across the cluster (Silberschatz 7.1.1, OSTEP 31.4).

Producers and consumers are tasks, which the tracker places on different
peers. Two versions of the same program:

  - "buffer": the textbook's. The buffer's slots and its in/out indexes are
    keys of osgrid.mem (the memory of the peer the run was submitted to),
    guarded by a cluster Lock; the Semaphores `empty` (free slots) and
    `full` (filled slots) make producers and consumers wait for each other.
  - "queue": a cluster MessageQueue of the same capacity does all of it.

    run(items=1000, kind="buffer")  ->  {"produced": 1000, "consumed": 1000, "lost": [], "duplicated": []}

With missing_signal=True the consumers forget `empty.signal()`: once the
buffer is full the producers wait forever on `empty`, the consumers on
`full`, and the tracker reports a stall (a lost wake-up).
"""
import osgrid


def buffer_objects(table, slots):
    return (osgrid.Semaphore(f"{table}/empty", slots), osgrid.Semaphore(f"{table}/full", 0),
            osgrid.Lock(f"{table}/mutex"))


def buffer_producer(table, first, count, slots):
    empty, full, mutex = buffer_objects(table, slots)
    for item in range(first, first + count):
        empty.wait()
        with mutex:
            tail = osgrid.mem.get(f"{table}/in", 0)
            osgrid.mem.set(f"{table}/slot-{tail % slots}", item)
            osgrid.mem.set(f"{table}/in", tail + 1)
        full.signal()
    return count


def buffer_consumer(table, count, slots, missing_signal):
    empty, full, mutex = buffer_objects(table, slots)
    items = []
    for _ in range(count):
        full.wait()
        with mutex:
            head = osgrid.mem.get(f"{table}/out", 0)
            items.append(osgrid.mem.get(f"{table}/slot-{head % slots}"))
            osgrid.mem.set(f"{table}/out", head + 1)
        if not missing_signal:
            empty.signal()
    return items


def queue_producer(table, first, count, slots):
    queue = osgrid.MessageQueue(f"{table}/queue", slots)
    for item in range(first, first + count):
        queue.send(item)
    return count


def queue_consumer(table, count, slots, missing_signal):
    queue = osgrid.MessageQueue(f"{table}/queue", slots)
    return [queue.receive() for _ in range(count)]


def run(items=1000, kind="buffer", producers=2, consumers=2, slots=8, table=None, missing_signal=False,
        child_timeout_ms=60000):
    """Starts the producers and consumers as child tasks (each killed after
    child_timeout_ms), waits for them, and checks that every item was
    consumed exactly once."""
    table = table or f"{kind}-{osgrid.getpid()}"
    produce, consume = (buffer_producer, buffer_consumer) if kind == "buffer" else (queue_producer, queue_consumer)
    share, extra = divmod(items, producers)
    children, first = [], 0
    for p in range(producers):
        count = share + (p < extra)
        children.append(osgrid.submit(produce, table, first, count, slots, name=f"producer-{p}",
                                     timeout_ms=child_timeout_ms))
        first += count
    eaters = []
    share, extra = divmod(items, consumers)
    for c in range(consumers):
        eaters.append(osgrid.submit(consume, table, share + (c < extra), slots, missing_signal, name=f"consumer-{c}",
                                    timeout_ms=child_timeout_ms))
    produced = sum(osgrid.wait(child) for child in children)
    consumed = [item for child in eaters for item in osgrid.wait(child)]
    seen = set(consumed)
    return {"produced": produced, "consumed": len(consumed),
            "lost": sorted(set(range(items)) - seen),
            "duplicated": sorted(item for item in seen if consumed.count(item) > 1) if len(seen) != len(consumed) else []}
