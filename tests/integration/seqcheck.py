#!/usr/bin/python3
"""seqcheck.py: checks numbered messages read back from Kafka.

usage: seqcheck.py FILE COUNT exactly-once|at-least-once [PREFIX]

FILE holds one message per line (sluice-cat raw output). Each message the
test sent carries PREFIX (default "seq=") followed by its number, 1..COUNT;
lines without it are ignored. Prints one line
"seqcheck: sent=N got=G distinct=D missing=M duplicates=U reordered=R"
and exits 1 when a number is missing, or (exactly-once) when one came
twice, listing the first offenders. Reordered counts messages that came
after a higher number on their first arrival; it is reported, not judged
(a resend after a failure arrives late by design).
"""
import re
import sys


def main():
    path, count, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    prefix = sys.argv[4] if len(sys.argv) > 4 else "seq="
    pattern = re.compile(re.escape(prefix) + r"(\d+)")
    seen = {}
    got = reordered = highest = 0
    with open(path, "rb") as f:
        for raw in f:
            m = pattern.search(raw.decode("utf-8", "replace"))
            if m is None:
                continue
            n = int(m.group(1))
            got += 1
            if n not in seen and n < highest:
                reordered += 1
            highest = max(highest, n)
            seen[n] = seen.get(n, 0) + 1
    missing = [n for n in range(1, count + 1) if n not in seen]
    dups = sorted(n for n, c in seen.items() if c > 1)
    extra = sorted(n for n in seen if n < 1 or n > count)
    print("seqcheck: sent=%d got=%d distinct=%d missing=%d duplicates=%d reordered=%d"
          % (count, got, len(seen), len(missing), len(dups), reordered))
    ok = not missing and not extra
    if mode == "exactly-once":
        ok = ok and not dups
    elif mode != "at-least-once":
        sys.exit("seqcheck: mode must be exactly-once or at-least-once")
    if missing:
        print("seqcheck: missing (first 20):", missing[:20])
    if dups:
        print("seqcheck: duplicated (first 20):", dups[:20])
    if extra:
        print("seqcheck: numbers never sent:", extra[:20])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
