"""Lab 05: synchronisation on the live cluster (labs/05-synchronisation/README.md).

Write a bounded buffer and a readers-writers lock as classes that osgrid tasks
use. Each task is a process of its own, possibly on another peer: a Python
variable is NOT shared between tasks. Share data through osgrid.mem and wait
with osgrid.Semaphore / osgrid.Lock (docs/sync.md); MessageQueue is not allowed.

    import osgrid
    osgrid.mem.get(key, default=None)   osgrid.mem.set(key, value)   osgrid.mem.delete(key)
    sem = osgrid.Semaphore(name, initial); sem.wait(); sem.signal()
    lock = osgrid.Lock(name); lock.acquire(); lock.release()   (or: with lock: ...)

Name every object and key you use after `name` ("{name}/..."), so two buffers
never share state.
"""
import osgrid  # noqa: F401  (you will need it)


class BoundedBuffer:
    """A buffer of `capacity` slots (Silberschatz 10e 7.1.1, OSTEP 31.4).

    Every producer and consumer task builds its own BoundedBuffer(name,
    capacity) with the same arguments; the state they share is the cluster's
    (Semaphores and Locks named after `name`, keys of osgrid.mem under
    "{name}/").
    """

    def __init__(self, name: str, capacity: int):
        self.name = name
        self.capacity = capacity

    def put(self, item: int) -> None:
        """Adds `item`; waits while the buffer holds `capacity` items."""
        raise NotImplementedError("BoundedBuffer.put")

    def get(self) -> int:
        """Removes and returns an item (the oldest: FIFO); waits while the buffer is empty."""
        raise NotImplementedError("BoundedBuffer.get")


class ReadersWriters:
    """A readers-writers lock (Silberschatz 10e 7.1.2, OSTEP 31.5): any
    number of readers inside at once, or one writer and nobody else.

    Every reader and writer task builds its own ReadersWriters(name).
    """

    def __init__(self, name: str):
        self.name = name

    def start_read(self) -> None:
        """Returns once the caller may read: no writer is inside."""
        raise NotImplementedError("ReadersWriters.start_read")

    def end_read(self) -> None:
        """The caller has finished reading."""
        raise NotImplementedError("ReadersWriters.end_read")

    def start_write(self) -> None:
        """Returns once the caller may write: nobody else is inside."""
        raise NotImplementedError("ReadersWriters.start_write")

    def end_write(self) -> None:
        """The caller has finished writing."""
        raise NotImplementedError("ReadersWriters.end_write")
