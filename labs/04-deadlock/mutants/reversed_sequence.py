"""Mutant: is_safe returns its safe sequence backwards (last finished first)."""

GRANTED = "granted"  # the new state is safe: the request is granted
WAIT = "wait"  # Request > Available: the process must wait
DENIED = "denied"  # granting would leave an unsafe state: the process must wait
EXCEEDS_NEED = "exceeds_need"  # Request > Need: the process exceeded its maximum claim


def less_equal(x, y):
    """X <= Y in the book's sense: every component."""
    return all(a <= b for a, b in zip(x, y))


def add(x, y):
    return [a + b for a, b in zip(x, y)]


def subtract(x, y):
    return [a - b for a, b in zip(x, y)]


def need_matrix(maximum, allocation):
    """Need = Max - Allocation, row by row."""
    return [subtract(max_row, row) for max_row, row in zip(maximum, allocation)]


def is_safe(available, maximum, allocation):
    """The safety algorithm (Silberschatz 10e 8.6.3.1): (True, a safe sequence) or (False, [])."""
    n = len(maximum)
    need = need_matrix(maximum, allocation)
    work = list(available)
    finish = [False] * n
    sequence = []
    progress = True
    while progress:
        progress = False
        for i in range(n):  # the lowest-numbered Pi with Finish[i] == false and Need_i <= Work
            if not finish[i] and less_equal(need[i], work):
                work = add(work, allocation[i])  # Pi finishes and returns what it holds
                finish[i] = True
                sequence.append(i)
                progress = True
                break  # scan again from P0
    return (True, sequence[::-1]) if all(finish) else (False, [])


def request_resources(available, maximum, allocation, process, request):
    """The resource-request algorithm (8.6.3.2) for `process` asking for `request`."""
    if not less_equal(request, need_matrix(maximum, allocation)[process]):
        return EXCEEDS_NEED  # the process exceeded its maximum claim
    if not less_equal(request, available):
        return WAIT
    # Pretend to allocate, on copies: the caller's lists stay the old state.
    new_allocation = [list(row) for row in allocation]
    new_allocation[process] = add(allocation[process], request)
    safe, _ = is_safe(subtract(available, request), maximum, new_allocation)
    return GRANTED if safe else DENIED


def detect_deadlock(available, allocation, request):
    """Deadlock detection (8.7.2): the deadlocked processes, in increasing order."""
    n = len(allocation)
    work = list(available)
    finish = [not any(row) for row in allocation]  # holding nothing: Finish[i] = true from the start
    progress = True
    while progress:
        progress = False
        for i in range(n):  # the lowest-numbered Pi with Finish[i] == false and Request_i <= Work
            if not finish[i] and less_equal(request[i], work):
                work = add(work, allocation[i])
                finish[i] = True
                progress = True
                break
    return [i for i in range(n) if not finish[i]]
