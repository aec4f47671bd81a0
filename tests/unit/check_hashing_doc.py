#!/usr/bin/python3
"""Recomputes the golden-vector table of docs/hashing.md with python3-xxhash.

Proves, from a second implementation, that the documented rule produces the
documented numbers (tests/unit/hashing_test.cc pins the same values in C++).
Usage: check_hashing_doc.py path/to/docs/hashing.md
"""
import sys

import xxhash


def main(path):
    rows = 0
    failures = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.startswith("| `") and not line.startswith("| *(empty)*"):
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) != 5:
                continue

            def unquote(cell):
                return "" if cell == "*(empty)*" else cell.strip("`")

            salt, unit_id = unquote(cells[0]), unquote(cells[1])
            seed = xxhash.xxh3_64_intdigest(salt.encode("utf-8"))
            h = xxhash.xxh3_64_intdigest(unit_id.encode("utf-8"), seed=seed)
            position = (h >> 11) * 2.0 ** -53
            ok = (f"{seed:016x}" == unquote(cells[2])
                  and f"{h:016x}" == unquote(cells[3])
                  and float(cells[4]) == position)
            rows += 1
            if not ok:
                failures += 1
                print(f"MISMATCH salt={salt!r} id={unit_id!r}: "
                      f"seed={seed:016x} hash={h:016x} position={position!r}")
    print(f"{rows - failures} passed, {failures} failed")
    if rows < 20:
        print(f"expected at least 20 golden vectors, found {rows}")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
