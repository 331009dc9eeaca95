# ---- lab 05: the grader's driver (labs/05-synchronisation/driver.py) ----
# Appended to your sync.py by the grader (and by check.py), so that the
# tasks it starts run your classes. It starts producers and consumers (or
# readers and writers) as child tasks and marks, in osgrid.mem, the moments
# the grader checks the invariants at:
#   NAME/put/ITEM       set after put(ITEM) returned
#   NAME/get/C-K        set before consumer C's K-th get() is called
#   NAME/inside/WHO     set just after start_read()/start_write() returned,
#                       deleted just before end_read()/end_write() is called
#   NAME/driver/ID      set first, with the driver's task id (to stop it)
#   NAME/end            set once every task has ended
# The grader reads these marks, in the order the peer applied them, from the
# cluster's event stream (mem.set, mem.del). Your own keys: anything else
# under NAME/. The children set off together (the same time.time(), after
# building their objects), the consumers consumer_delay_s later, so the
# producers fill the buffer first.
import time as _lab05_time

import osgrid as _lab05_osgrid


def _lab05_no_queue(*args, **kwargs):
    raise RuntimeError("lab 05: build the buffer from osgrid.Semaphore and osgrid.mem, not a MessageQueue")


_lab05_osgrid.MessageQueue = _lab05_no_queue
_LAB05_START_S = 0.4  # the children set off together this long after the driver submits them


class Lab05SetupError(Exception):
    """sync.py lacks a class or method the tests call: the grader says so once, at the top of the results."""


def _lab05_need(class_name, methods):
    """Raises Lab05SetupError unless class_name is a class of sync.py with these methods."""
    found = globals().get(class_name)
    if not isinstance(found, type):
        raise Lab05SetupError(f"sync.py defines no {class_name}")
    missing = [method for method in methods if not callable(getattr(found, method, None))]
    if missing:
        raise Lab05SetupError(f"{class_name} in sync.py has no {', '.join(missing)}")


def _lab05_until(start):
    """Sleeps until time.time() is `start`: the tasks of a run set off together, so their calls meet."""
    _lab05_time.sleep(max(0.0, start - _lab05_time.time()))


def lab05_producer(name, capacity, items, start):
    buffer = BoundedBuffer(name, capacity)
    _lab05_until(start)
    for item in items:
        buffer.put(item)
        _lab05_osgrid.mem.set(f"{name}/put/{item}", 1)
    return len(items)


def lab05_consumer(name, capacity, count, who, start):
    buffer = BoundedBuffer(name, capacity)
    _lab05_until(start)
    got = []
    for k in range(count):
        _lab05_osgrid.mem.set(f"{name}/get/{who}-{k}", 1)
        got.append(buffer.get())
    return got


def lab05_buffer(case):
    """case: {"name", "capacity", "producers": [[item, ...], ...], "consumers": [count, ...],
    "consumer_delay_s", "timeout_ms"}. Returns {"consumed": [[item, ...] per consumer]}."""
    _lab05_need("BoundedBuffer", ("put", "get"))
    name, capacity, timeout_ms = case["name"], case["capacity"], case["timeout_ms"]
    _lab05_osgrid.mem.set(f"{name}/driver/{_lab05_osgrid.getpid()}", 1)
    start = _lab05_time.time() + _LAB05_START_S
    producers = [_lab05_osgrid.submit(lab05_producer, name, capacity, items, start, name=f"producer-{p}",
                                      timeout_ms=timeout_ms)
                 for p, items in enumerate(case["producers"])]
    consumers = [_lab05_osgrid.submit(lab05_consumer, name, capacity, count, c, start + case["consumer_delay_s"],
                                      name=f"consumer-{c}", timeout_ms=timeout_ms)
                 for c, count in enumerate(case["consumers"])]
    for child in producers:
        _lab05_osgrid.wait(child)
    consumed = [_lab05_osgrid.wait(child) for child in consumers]
    _lab05_osgrid.mem.set(f"{name}/end", 1)
    return {"consumed": consumed}


def lab05_reader(name, who, rounds, hold_s, start):
    lock = ReadersWriters(name)
    _lab05_until(start)
    for r in range(rounds):
        lock.start_read()
        _lab05_osgrid.mem.set(f"{name}/inside/reader-{who}-{r}", 1)
        _lab05_time.sleep(hold_s)
        _lab05_osgrid.mem.delete(f"{name}/inside/reader-{who}-{r}")
        lock.end_read()
    return rounds


def lab05_writer(name, who, rounds, hold_s, start):
    lock = ReadersWriters(name)
    _lab05_until(start)
    for r in range(rounds):
        lock.start_write()
        _lab05_osgrid.mem.set(f"{name}/inside/writer-{who}-{r}", 1)
        _lab05_time.sleep(hold_s)
        _lab05_osgrid.mem.delete(f"{name}/inside/writer-{who}-{r}")
        lock.end_write()
    return rounds


def lab05_readers_writers(case):
    """case: {"name", "readers": [rounds, ...], "writers": [rounds, ...], "hold_s", "timeout_ms"}.
    Returns {"rounds": [rounds done by each reader, then each writer]}."""
    _lab05_need("ReadersWriters", ("start_read", "end_read", "start_write", "end_write"))
    name, hold_s, timeout_ms = case["name"], case["hold_s"], case["timeout_ms"]
    _lab05_osgrid.mem.set(f"{name}/driver/{_lab05_osgrid.getpid()}", 1)
    start = _lab05_time.time() + _LAB05_START_S
    children = [_lab05_osgrid.submit(lab05_reader, name, r, rounds, hold_s, start, name=f"reader-{r}",
                                     timeout_ms=timeout_ms)
                for r, rounds in enumerate(case["readers"])]
    children += [_lab05_osgrid.submit(lab05_writer, name, w, rounds, hold_s, start, name=f"writer-{w}",
                                      timeout_ms=timeout_ms)
                 for w, rounds in enumerate(case["writers"])]
    done = [_lab05_osgrid.wait(child) for child in children]
    _lab05_osgrid.mem.set(f"{name}/end", 1)
    return {"rounds": done}
