"""Lab 02 mutant: best fit breaks ties between equal-size blocks in favour of the last one in the list.

A copy of the reference with this one bug (mutants/expect.json says which tests it fails).
"""

POLICIES = ("FIRST", "BEST", "WORST", "NEXT")


class FreeList:
    """A heap [base, base + size) managed with one address-sorted free list (OSTEP 17.2-17.3)."""

    def __init__(self, size, base=0, policy="FIRST", header=0, align=1):
        if policy not in POLICIES:
            raise ValueError(f"unknown policy {policy!r}")
        self.base = base
        self.size = size
        self.policy = policy
        self.header = header
        self.align = align
        self.free_blocks = [[base, size]]  # [addr, size], by address
        self.allocated = {}  # block start -> block size
        self.rover = base  # NEXT fit: the end of the block last allocated

    def block_size(self, n):
        """Bytes the block for an n-byte request takes: n rounded up to the alignment, plus the header."""
        return -(-n // self.align) * self.align + self.header

    def malloc(self, n):
        need = self.block_size(n)
        index, searched = self.find_fit(need)
        if index < 0:
            return (-1, searched)
        addr, size = self.free_blocks[index]
        # Split: the front is allocated, the remainder keeps the element's place.
        if size > need:
            self.free_blocks[index] = [addr + need, size - need]
        else:
            del self.free_blocks[index]
        self.allocated[addr] = need
        self.rover = addr + need
        return (addr, searched)

    def find_fit(self, need):
        """(index of the chosen element or -1, elements examined)."""
        if self.policy == "FIRST":
            return self.first_from(0, need)
        if self.policy == "NEXT":
            return self.first_from(self.next_fit_start(), need)
        chosen = -1
        for i, (_, size) in enumerate(self.free_blocks):
            if size < need:
                continue
            if chosen < 0:
                chosen = i
            elif self.policy == "BEST" and size <= self.free_blocks[chosen][1]:
                chosen = i
            elif self.policy == "WORST" and size > self.free_blocks[chosen][1]:
                chosen = i
        return chosen, len(self.free_blocks)

    def first_from(self, start, need):
        count = len(self.free_blocks)
        for step in range(count):
            i = (start + step) % count
            if self.free_blocks[i][1] >= need:
                return i, step + 1
        return -1, count

    def next_fit_start(self):
        """The first element that holds the rover or lies above it; the head if none does."""
        for i, (addr, size) in enumerate(self.free_blocks):
            if addr + size > self.rover:
                return i
        return 0

    def free(self, addr):
        size = self.allocated.pop(addr, None)
        if size is None:
            return -1
        i = 0
        while i < len(self.free_blocks) and self.free_blocks[i][0] < addr:
            i += 1
        self.free_blocks.insert(i, [addr, size])
        # Coalesce: with the next block, then with the previous one.
        if i + 1 < len(self.free_blocks) and addr + size == self.free_blocks[i + 1][0]:
            self.free_blocks[i][1] += self.free_blocks[i + 1][1]
            del self.free_blocks[i + 1]
        if i > 0 and self.free_blocks[i - 1][0] + self.free_blocks[i - 1][1] == addr:
            self.free_blocks[i - 1][1] += self.free_blocks[i][1]
            del self.free_blocks[i]
        return 0

    def free_list(self):
        return [list(block) for block in self.free_blocks]
