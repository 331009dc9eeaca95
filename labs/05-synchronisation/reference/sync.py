"""Lab 05, the reference: a bounded buffer and the first readers-writers
problem, as tasks on the cluster (Silberschatz 10e 7.1.1 and 7.1.2; OSTEP 31.4
and 31.5).

Shared data lives in osgrid.mem (each task is a process of its own: a Python
variable is not shared); waiting is done with the tracker's Semaphores and
Locks, which give up the task's core while it waits.
"""
import osgrid


class BoundedBuffer:
    """A buffer of `capacity` slots shared by producer and consumer tasks.

    Every task that uses the buffer builds its own BoundedBuffer(name,
    capacity) with the same name: the objects it names (Semaphores, a Lock,
    keys of osgrid.mem) are the shared state.
    """

    def __init__(self, name, capacity):
        self.name = name
        self.capacity = capacity
        self.empty = osgrid.Semaphore(f"{name}/empty", capacity)  # free slots
        self.full = osgrid.Semaphore(f"{name}/full", 0)  # filled slots
        self.mutex = osgrid.Lock(f"{name}/mutex")  # guards the slots and the in/out indexes

    def put(self, item):
        """Adds `item` (an int); waits while the buffer is full."""
        self.empty.wait()
        with self.mutex:
            tail = osgrid.mem.get(f"{self.name}/in", 0)
            osgrid.mem.set(f"{self.name}/slot-{tail % self.capacity}", item)
            osgrid.mem.set(f"{self.name}/in", tail + 1)
        self.full.signal()

    def get(self):
        """Removes and returns the oldest item; waits while the buffer is empty."""
        self.full.wait()
        with self.mutex:
            head = osgrid.mem.get(f"{self.name}/out", 0)
            item = osgrid.mem.get(f"{self.name}/slot-{head % self.capacity}")
            osgrid.mem.set(f"{self.name}/out", head + 1)
        self.empty.signal()
        return item


class ReadersWriters:
    """The first readers-writers problem: any number of readers inside at
    once, or one writer alone. Readers go first (writers may starve).

    rw_mutex is a Semaphore, not a Lock: the reader that releases it (the
    last one out) is often not the one that took it (the first one in), and a
    Lock may be released only by its holder.
    """

    def __init__(self, name):
        self.name = name
        self.rw_mutex = osgrid.Semaphore(f"{name}/rw_mutex", 1)  # held by a writer, or by the readers together
        self.mutex = osgrid.Semaphore(f"{name}/mutex", 1)  # guards read_count

    def start_read(self):
        self.mutex.wait()
        count = osgrid.mem.get(f"{self.name}/read_count", 0) + 1
        osgrid.mem.set(f"{self.name}/read_count", count)
        if count == 1:  # the first reader in locks the writers out
            self.rw_mutex.wait()
        self.mutex.signal()

    def end_read(self):
        self.mutex.wait()
        count = osgrid.mem.get(f"{self.name}/read_count", 0) - 1
        osgrid.mem.set(f"{self.name}/read_count", count)
        if count == 0:  # the last reader out lets the writers in
            self.rw_mutex.signal()
        self.mutex.signal()

    def start_write(self):
        self.rw_mutex.wait()

    def end_write(self):
        self.rw_mutex.signal()
