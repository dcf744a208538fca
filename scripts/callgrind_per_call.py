#!/usr/bin/env python3
"""Instructions per call from two callgrind runs of the same driver.

Usage: callgrind_per_call.py SHORT.out LONG.out EXTRA_CALLS [TOP]

SHORT and LONG are `callgrind.out` files of the same program making N and
N + EXTRA_CALLS calls; their difference divided by EXTRA_CALLS is the cost of
one call, with start-up, setup and warm-up cancelled out. Prints:

- the total instructions and heap allocations per call;
- self cost per call by crate (from each instruction's source file, so code
  inlined from a crate counts for that crate; needs line tables);
- self cost per call of the TOP functions;
- inclusive cost per call of the TOP functions (default 40), which shows
  what a call's parts cost (a future's `poll` counts every time it runs).
"""

import re
import sys
from collections import defaultdict

NAME = re.compile(r"^\((\d+)\)(?: (.*))?$")


def parse(path):
    """(total, self cost by file, self cost by function, inclusive by function)."""
    names = {"fl": {}, "fn": {}}
    by_file = defaultdict(int)
    self_fn = defaultdict(int)
    inclusive = defaultdict(int)
    fl = fi = fn = cfn = None
    after_calls = False
    total = 0
    mallocs = 0

    def name(kind, text):
        match = NAME.match(text)
        if not match:
            return text
        ident, value = match.groups()
        table = names["fn" if kind in ("fn", "cfn") else "fl"]
        if value is not None:
            table[ident] = value
        return table.get(ident, text)

    with open(path, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            line = line.rstrip("\n")
            if not line:
                continue
            head = line[0]
            if head.isdigit() or head in "+-*":
                parts = line.split()
                cost = int(parts[1]) if len(parts) > 1 else 0
                if after_calls:
                    inclusive[fn] += cost
                    after_calls = False
                else:
                    # Code inlined from a crate counts for that crate; code
                    # inlined from std (an integer rotate in SHA-256, a slice
                    # copy) for the function it was inlined into.
                    by_file[(fi, fn)] += cost
                    self_fn[fn] += cost
                    inclusive[fn] += cost
                    total += cost
                continue
            key, _, value = line.partition("=")
            if key == "fl":
                fl, fi = name("fl", value), None
            elif key in ("fi", "fe"):
                fi = name("fl", value)
                if fi == fl:
                    fi = None
            elif key == "fn":
                fn, fi = name("fn", value), None
            elif key in ("cfl", "cfi", "cob", "ob"):
                if key != "ob" and key != "cob":
                    name("fl", value)
            elif key == "cfn":
                cfn = name("cfn", value)
            elif key == "calls":
                after_calls = True
                if cfn in ("malloc", "realloc", "calloc") and fn not in ("malloc", "realloc", "calloc"):
                    mallocs += int(value.split()[0])
    return total, by_file, self_fn, inclusive, mallocs


def is_std(file):
    return "/rustc/" in file or "/library/" in file


CRATE = re.compile(r"/(?:registry/src/[^/]+|git/checkouts/[^/]+/[^/]+)/([A-Za-z0-9_.-]+?)-\d+\.\d+[^/]*/")


PATH = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)::")
PREFIX = re.compile(r"^(?:[&*]|mut |const |dyn )*")


def crate(inlined_from, function):
    """The crate of an instruction: the registry crate it was inlined from,
    else the crate that the function's (demangled) name starts with."""
    match = CRATE.search(inlined_from or "")
    if match:
        return match.group(1).replace("-", "_")
    name = function or ""
    if name.startswith("<"):
        # `<Type as Trait>::method`: the trait's crate unless it is std's.
        inner = name[1:]
        owner, _, trait = inner.partition(" as ")
        candidates = [trait, owner] if trait else [owner]
    else:
        candidates = [name]
    for candidate in candidates:
        match = PATH.match(PREFIX.sub("", candidate))
        if match and match.group(1) not in ("core", "alloc", "std") or candidate is candidates[-1]:
            break
    if not match:
        return "libc, the allocator, memcpy (C code)"
    first = match.group(1)
    if first == "__rustc":
        return "libc, the allocator, memcpy (C code)"
    if first in ("core", "alloc", "std"):
        return "std (alloc, core, fmt)"
    return first


def main():
    short, long_, extra = sys.argv[1], sys.argv[2], int(sys.argv[3])
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 40
    t1, files1, self1, inc1, m1 = parse(short)
    t2, files2, self2, inc2, m2 = parse(long_)
    print(f"instructions per call: {(t2 - t1) / extra:,.0f}")
    print(f"heap allocations per call (malloc, realloc, calloc): {(m2 - m1) / extra:,.1f}")
    crates = defaultdict(int)
    for key in set(files1) | set(files2):
        crates[crate(*key)] += files2.get(key, 0) - files1.get(key, 0)
    print("\nself cost per call by crate:")
    for name, cost in sorted(crates.items(), key=lambda kv: -kv[1]):
        if abs(cost) / extra >= 100:
            print(f"  {cost / extra:>10,.0f}  {name}")
    print(f"\nself cost per call, top {top} functions:")
    diffs = {f: self2.get(f, 0) - self1.get(f, 0) for f in set(self1) | set(self2)}
    for name, cost in sorted(diffs.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {cost / extra:>10,.0f}  {name[:160]}")
    print(f"\ninclusive cost per call, top {top} functions:")
    diffs = {f: inc2.get(f, 0) - inc1.get(f, 0) for f in set(inc1) | set(inc2)}
    for name, cost in sorted(diffs.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {cost / extra:>10,.0f}  {name[:160]}")


if __name__ == "__main__":
    main()
