"""Lab 02: free-space management. Write FreeList (see ../README.md).

The grader plays a program that uses your heap: it makes one FreeList, calls
malloc() and free() on it, and after every one of those calls free_list().
Every answer is compared with osgrid's reference (the rules of OSTEP's
malloc.py with an address-sorted free list and coalescing). Check your work
with:  python3 ../check.py
"""

POLICIES = ("FIRST", "BEST", "WORST", "NEXT")


class FreeList:
    """A heap of `size` bytes, the addresses [base, base + size), managed with
    one free list kept in address order.

    size:   bytes managed (> 0); at first the free list is one block [base, size]
    base:   the address of the heap's first byte
    policy: which free block malloc takes: "FIRST", "BEST", "WORST" or "NEXT"
    header: bytes of header every block carries (>= 0)
    align:  requests are rounded up to a multiple of this (>= 1; 1 = no rounding)

    The grader calls FreeList(size=..., base=..., policy=..., header=...,
    align=...), so keep these parameter names.
    """

    def __init__(self, size, base=0, policy="FIRST", header=0, align=1):
        self.size = size
        self.base = base
        self.policy = policy
        self.header = header
        self.align = align
        # TODO: the free list, the allocated blocks (and next fit's rover)

    def malloc(self, n):
        """Allocate a block for a request of n bytes (n >= 1).

        The block takes n rounded up to a multiple of `align`, plus `header`
        bytes. The policy picks a free block at least that big; its front is
        allocated and the rest stays on the free list.

        Returns (addr, searched): the address of the block's first byte (where
        its header is), or -1 when no free block is big enough; and how many
        free-list elements were examined (see the README: it depends on the
        policy).
        """
        raise NotImplementedError("FreeList.malloc")

    def free(self, addr):
        """Give back the block that starts at `addr` (an address malloc returned).

        Returns 0, or -1 (and changes nothing) when no allocated block starts
        at addr: an address inside a block, a block already freed, free space.
        The freed block is merged with the free blocks right before and after
        it in memory (coalescing).
        """
        raise NotImplementedError("FreeList.free")

    def free_list(self):
        """The free list, in address order: a list of [addr, size] pairs
        (tuples are fine), e.g. [[1000, 10], [1015, 30]]."""
        raise NotImplementedError("FreeList.free_list")
