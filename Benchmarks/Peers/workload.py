"""The side-by-side workload, shared by the loro and pycrdt runners.

It is generated exactly as `tandem-peers-bench` generates it
(Benchmarks/Sources/tandem-peers-bench/PeerWorkload.swift): the same
SplitMix64 stream, the same derivation of lengths and letters, so all three
systems write the same bytes. Each runner prints the workload's checksum so
the driver can check that they did.

Workload (docs/PERFORMANCE.md, "Side by side with loro and pycrdt"):
- replica A writes 10,000 records of 10 string fields (100,000 writes),
  values 8 to 32 lowercase letters, and exports them as one update;
- replica B, empty, imports that update;
- A then rewrites every field of records 0-4,999 and B every field of
  records 2,500-7,499 (50,000 writes each, concurrently: 25,000 fields are
  written by both), and the two merge both ways.
"""

MASK = (1 << 64) - 1

RECORDS = 10_000
FIELDS = 10
CONCURRENT_A = range(0, 5_000)
CONCURRENT_B = range(2_500, 7_500)

SEED_INITIAL = 1
SEED_A = 2
SEED_B = 3


class SplitMix64:
    def __init__(self, seed: int) -> None:
        self.state = seed & MASK

    def next(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def text(rng: SplitMix64) -> str:
    length = 8 + rng.next() % 25
    return "".join(chr(97 + rng.next() % 26) for _ in range(length))


def record_id(index: int) -> str:
    return f"record-{index}"


FIELD_NAMES = [f"field{j}" for j in range(FIELDS)]


def writes(records: range, seed: int) -> list[tuple[str, list[tuple[str, str]]]]:
    """Per record (in order), its id and its (field, value) writes."""
    rng = SplitMix64(seed)
    return [(record_id(r), [(name, text(rng)) for name in FIELD_NAMES]) for r in records]


def checksum(batches: list[list[tuple[str, list[tuple[str, str]]]]]) -> int:
    """FNV-1a over every id, name and value, in order: equal across languages."""
    h = 0xCBF29CE484222325
    for batch in batches:
        for rid, fields in batch:
            for part in [rid] + [p for pair in fields for p in pair]:
                for byte in part.encode():
                    h = ((h ^ byte) * 0x100000001B3) & MASK
    return h


def all_writes():
    initial = writes(range(RECORDS), SEED_INITIAL)
    a = writes(CONCURRENT_A, SEED_A)
    b = writes(CONCURRENT_B, SEED_B)
    return initial, a, b, checksum([initial, a, b])
