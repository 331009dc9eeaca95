"""Lab 04: deadlock. Write the Banker's algorithm and deadlock detection (see ../README.md).

Three functions, each handed a whole snapshot of the system and answering
about it; the grader calls them directly, one snapshot at a time. They must
not change the lists they are given. Check your work with:  python3 ../check.py

Shapes: n processes P0..Pn-1 and m resource types (A, B, C, ...). A vector
(`available`, `request` in request_resources) is a list of m ints; a matrix
(`maximum`, `allocation`, detection's `request`) is a list of n rows, row i
being process Pi's vector. Counts are instances, never negative.
"""

# What request_resources answers (os::RequestDecision in lower case, plus the
# book's error condition).
GRANTED = "granted"  # Request <= Available and the new state is safe: the request is granted
WAIT = "wait"  # Request > Available: the process must wait (the state is unchanged)
DENIED = "denied"  # granting would leave an unsafe state: the process must wait (the state is unchanged)
EXCEEDS_NEED = "exceeds_need"  # Request > Need: the process has exceeded its maximum claim


def is_safe(available, maximum, allocation):
    """The Banker's safety algorithm (Silberschatz 10e 8.6.3.1).

    available:  m ints, the free instances of each type (Available)
    maximum:    n x m, each process's declared maximum claim (Max)
    allocation: n x m, what each process holds now (Allocation)
    Need = Max - Allocation.

    Returns (True, sequence) when the state is safe, `sequence` being a safe
    sequence: every process number once, in an order in which each can get
    its whole Need from Work and then return its Allocation. Any safe
    sequence is accepted. Returns (False, []) when the state is unsafe.
    """
    raise NotImplementedError("is_safe")


def request_resources(available, maximum, allocation, process, request):
    """The resource-request algorithm (Silberschatz 10e 8.6.3.2).

    Process `process` (0..n-1) asks for `request` (m ints) in the state
    (available, maximum, allocation), which is safe. Returns, checking in
    this order:
      EXCEEDS_NEED  if Request > Need_process in some type (step 1's error);
      WAIT          if Request > Available in some type (step 2);
      DENIED        if the state after pretending to allocate is unsafe (step 3);
      GRANTED       otherwise.
    Do not change the lists you are given: the state after a granted request
    is the caller's business (a later call passes it in).
    """
    raise NotImplementedError("request_resources")


def detect_deadlock(available, allocation, request):
    """Deadlock detection with several instances of each type (Silberschatz 10e 8.7.2).

    available:  m ints, the free instances of each type
    allocation: n x m, what each process holds now
    request:    n x m, what each process is blocked waiting for right now
                (not its maximum claim)

    Returns the deadlocked processes, in increasing order ([] = no deadlock).
    A process that holds nothing is never deadlocked (the book starts it with
    Finish[i] = true).
    """
    raise NotImplementedError("detect_deadlock")
