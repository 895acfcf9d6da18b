#!/usr/bin/python3
"""verify.py: checks what sluice-cat read back against what was sent.

EXPECTED is mkpcap.py's JSON (or any {"messages": [{"source", "value"}]});
GOT is sluice-cat --format json output. Every sent message must be read
exactly once, byte-identical, with the sluice.source header naming its
sender, and the messages of each source must come back in send order.
Exits 1 with the first differences on failure.
"""
import collections
import json
import sys


def source_ip(text):
    if text.startswith("["):
        return text[1:text.index("]")]
    return text.rsplit(":", 1)[0]


def main():
    expected = json.load(open(sys.argv[1]))["messages"]
    got = [json.loads(line) for line in open(sys.argv[2])]
    errors = []
    if len(got) != len(expected):
        errors.append("got %d messages, sent %d" % (len(got), len(expected)))
    want = collections.defaultdict(list)
    for m in expected:
        want[m["source"]].append(m["value"])
    have = collections.defaultdict(list)
    partitions = collections.defaultdict(set)
    for m in got:
        # Records carry the source in a header, envelope messages in
        # sluice-cat's "source" field.
        src = source_ip(m.get("source") or m["headers"]["sluice.source"])
        have[src].append(m["value"])
        partitions[src].add(m["partition"])
    for src in sorted(set(want) | set(have)):
        w, h = want.get(src, []), have.get(src, [])
        if len(partitions[src]) > 1:
            errors.append("%s: spread over partitions %s" %
                          (src, sorted(partitions[src])))
        if w == h:
            continue
        if sorted(w) == sorted(h):
            errors.append("%s: all %d messages, out of order" % (src, len(w)))
            continue
        missing = collections.Counter(w) - collections.Counter(h)
        extra = collections.Counter(h) - collections.Counter(w)
        errors.append("%s: %d sent, %d read, %d missing, %d unexpected; "
                      "first missing %r, first unexpected %r" %
                      (src, len(w), len(h), sum(missing.values()),
                       sum(extra.values()),
                       next(iter(missing), None), next(iter(extra), None)))
    if errors:
        for e in errors[:20]:
            print("verify: " + e, file=sys.stderr)
        sys.exit(1)
    print("verify: %d messages from %d sources, byte-identical, in order" %
          (len(got), len(have)))


if __name__ == "__main__":
    main()
