#!/usr/bin/env python3
"""What topic histories cost, as the README's "How long histories live" says.

Runs the release ssescript on topics.lua with --history-ttl 3 and reads its
resident memory (VmRSS): after a first round of 20,000 topics has expired (the
baseline), with 200,000 topics holding one event each, once they have expired,
and 5 s later; then with 20,000 topics holding 1 and then 50 events each.

    benchmarks/topic-memory/run.py [BINARY]   (default .build/release/ssescript)

Takes some 20 s. Resident memory depends on the allocator and the machine; run
it a few times.
"""
import os, re, subprocess, sys, time, urllib.request

here = os.path.dirname(os.path.abspath(__file__))
binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../.build/release/ssescript")
ttl = 3


def rss(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])


def publish(port, first, count, per=1):
    url = f"http://127.0.0.1:{port}/publish?from={first}&count={count}&per={per}"
    with urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=300) as answer:
        assert answer.status == 204


def settle():
    time.sleep(ttl + 3)  # the time to live, a few sweeps, the memory handed back


server = subprocess.Popen(
    [binary, "serve", os.path.join(here, "topics.lua"), "--port", "0", "--no-watch", "--history-ttl", str(ttl),
     "--script-timeout", "60", "--max-topics", "1000000"],
    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
try:
    port = re.search(r":(\d+)/", server.stdout.readline()).group(1)
    publish(port, 1, 20000)
    settle()
    base = rss(server.pid)
    publish(port, 1, 200000)
    full = rss(server.pid)
    settle()
    idle = rss(server.pid)
    time.sleep(5)
    later = rss(server.pid)
    print(f"200,000 one-event topics: {base} KiB before, {full} KiB with them, {idle} KiB once expired,"
          f" {later} KiB 5 s later; {(full - base) * 1024 / 200000:.0f} bytes per topic")
    publish(port, 1, 20000, 1)
    one = rss(server.pid)
    publish(port, 1, 20000, 49)
    fifty = rss(server.pid)
    print(f"20,000 topics: {one} KiB with 1 event each, {fifty} KiB with 50;"
          f" {(fifty - one) * 1024 / (20000 * 49):.0f} bytes per further event")
finally:
    server.terminate()
    server.wait(timeout=10)
