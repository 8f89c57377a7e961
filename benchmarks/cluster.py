#!/usr/bin/env python3
"""Cluster benchmark (issue 11): one broadcast workload, same run, same machine.

  cluster: 2 ssescript instances x 5,000 clients; the lease holder's timer publishes
           through Redis (XADD + PUBLISH), both instances deliver
  alone:   1 ssescript instance x 10,000 clients, no Redis

The peer is benchmarks/ssescript/peer.lua (/broadcast: one publish every BCAST_MS=100 ms,
"id: seq", "data: <microsecond timestamp> seq"); the client is the shared harness's
ssebench (-d 25 -w 10 -r 5000). Rounds alternate cluster/alone. Reports, per mode, the
medians over rounds of: delivery (events/s after warm-up over the expected 100,000/s),
median latency, and server CPU per delivered event (both instances + redis-server, or
the one instance). Release build; run it when the machine is quiet.

    benchmarks/cluster.py [ROUNDS]          (default 3; results in bench-results/cluster-DATE/)
    QUIET=1.2 benchmarks/cluster.py 5       (each run waits until the 1-minute load is below 1.2)
    CLIENTS=1000 SSEBENCH_ARGS="-d 10 -w 4 -r 5000" benchmarks/cluster.py 1    (a quick look)
"""
import json, os, shutil, socket, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CANDIDATES = [os.environ.get("SSE_BENCH", ""), os.path.join(ROOT, "../shared/bench"), os.path.join(ROOT, "../../shared/bench")]
SHARED = next((c for c in CANDIDATES if c and os.path.exists(os.path.join(c, "ssebench.c"))), None)
WORK = os.path.join(ROOT, ".build/bench")
BINARY = os.path.join(ROOT, ".build/release/ssescript")
PEER = os.path.join(ROOT, "benchmarks/ssescript/peer.lua")
CLIENTS = int(os.environ.get("CLIENTS", "10000"))  # in all: half on each instance of the cluster
CLIENT_ARGS = os.environ.get("SSEBENCH_ARGS", "-d 25 -w 10 -r 5000").split() + ["--json"]
EXPECTED = CLIENTS * 1000 // 100  # events/s over all clients


def prepare():
    if not SHARED:
        sys.exit("no benchmark harness (set SSE_BENCH to the directory of ssebench.c)")
    os.makedirs(WORK, exist_ok=True)
    subprocess.run(["cp", "-a", SHARED + "/.", WORK], check=True)
    subprocess.run(["chmod", "-R", "u+w", WORK], check=True)
    subprocess.run([os.path.join(WORK, "build.sh")], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["make", "-s", "release"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start(arguments, log):
    def unlimited():
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return subprocess.Popen(arguments, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            preexec_fn=unlimited, env=dict(os.environ, BCAST_MS="100"))


def stop(process):
    process.terminate()
    try:
        process.wait(8)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def clients(ports, each, out, tag):
    runs = [subprocess.Popen([os.path.join(WORK, "ssebench"), "-u", f"http://127.0.0.1:{p}/broadcast",
                              "-c", str(each)] + CLIENT_ARGS, stdout=subprocess.PIPE,
                             stderr=open(os.path.join(out, f"{tag}.client{i}.err"), "w"))
            for i, p in enumerate(ports)]
    return [json.loads(r.communicate(timeout=120)[0]) for r in runs]


def run(mode, out, round_number):
    tag = f"{mode}-r{round_number}"
    log = open(os.path.join(out, f"{tag}.server.log"), "w")
    processes, servers = [], []
    try:
        if mode == "cluster":
            redis_port, directory = free_port(), tempfile.mkdtemp(prefix="bench-redis-")
            redis = start(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                           "--appendonly", "no", "--dir", directory], log)
            processes.append(redis)
            wait_port(redis_port)
            ports = [free_port(), free_port()]
            for node, port in zip(["a", "b"], ports):
                servers.append(start([BINARY, "serve", PEER, "--port", str(port), "--no-watch", "--redis",
                                      f"redis://127.0.0.1:{redis_port}", "--node", node], log))
        else:
            ports = [free_port()]
            servers.append(start([BINARY, "serve", PEER, "--port", str(ports[0]), "--no-watch"], log))
        processes += servers
        for port in ports:
            wait_port(port)
        time.sleep(0.5)
        load = os.getloadavg()[0]
        before = [cpu_seconds(p.pid) for p in processes]
        reports = clients(ports, CLIENTS // len(ports), out, tag)
        after = [cpu_seconds(p.pid) for p in processes]
    finally:
        for process in reversed(processes):
            stop(process)
    events = sum(r["events"] for r in reports)
    cpu = sum(after) - sum(before)
    result = {
        "mode": mode, "round": round_number, "load_before": load,
        "delivery": sum(r["events_per_sec"] for r in reports) / EXPECTED,
        "p50_ms": statistics.mean(r["latency_us"]["p50"] for r in reports) / 1000,
        "p99_ms": max(r["latency_us"]["p99"] for r in reports) / 1000,
        "cpu_s": cpu, "cpu_per_event_us": cpu / events * 1e6 if events else None,
        "cpu_by_process_s": [round(a - b, 2) for a, b in zip(after, before)],
        "established": sum(r["established"] for r in reports), "events": events,
        "client_cpu_s": sum(r["client_cpu_s"] for r in reports),
    }
    with open(os.path.join(out, "runs.jsonl"), "a") as f:
        f.write(json.dumps(dict(result, reports=reports)) + "\n")
    return result


def settle():
    """With QUIET=L, waits (at most 10 min) until the 1-minute load is below L: on a
    shared machine, other people's builds would be measured too."""
    limit = float(os.environ.get("QUIET", "0"))
    deadline = time.time() + 600
    while limit and os.getloadavg()[0] >= limit and time.time() < deadline:
        time.sleep(5)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    prepare()
    out = os.path.join(ROOT, "bench-results", time.strftime("cluster-%Y%m%d-%H%M%S"))
    os.makedirs(out, exist_ok=True)
    print(f"# {time.strftime('%F %T')}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}, {rounds} rounds")
    results = []
    for r in range(1, rounds + 1):
        for mode in (["cluster", "alone"] if r % 2 else ["alone", "cluster"]):
            settle()
            result = run(mode, out, r)
            results.append(result)
            print(f"round {r} {mode:7}: delivered {result['delivery']:.1%}, p50 {result['p50_ms']:.2f} ms, "
                  f"p99 {result['p99_ms']:.1f} ms, server CPU {result['cpu_s']:.2f} s "
                  f"{result['cpu_by_process_s']} = {result['cpu_per_event_us']:.2f} us/event "
                  f"(load before {result['load_before']:.2f}, client CPU {result['client_cpu_s']:.1f} s)", flush=True)
            time.sleep(1)
    median = lambda mode, key: statistics.median(r[key] for r in results if r["mode"] == mode)
    c, a = {k: median("cluster", k) for k in ("delivery", "p50_ms", "cpu_per_event_us")}, \
           {k: median("alone", k) for k in ("delivery", "p50_ms", "cpu_per_event_us")}
    print(f"median cluster: delivered {c['delivery']:.1%}, p50 {c['p50_ms']:.2f} ms, {c['cpu_per_event_us']:.2f} us/event")
    print(f"median alone  : delivered {a['delivery']:.1%}, p50 {a['p50_ms']:.2f} ms, {a['cpu_per_event_us']:.2f} us/event")
    print(f"Redis adds {c['p50_ms'] - a['p50_ms']:.2f} ms to the median latency; "
          f"CPU per event {c['cpu_per_event_us'] / a['cpu_per_event_us']:.2f}x the single instance's")


if __name__ == "__main__":
    main()
