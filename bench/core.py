#!/usr/bin/env python3
"""Roster core benchmark: boot, restart latency, memory, idle CPU and stop for N tiny services.

Measured the way ../shared/peers measured s6, runit and supervisord (same machine, same kind of
service): 'started' is the service's own CLOCK_REALTIME at the top of main(); restart latency is
kill(2) → the new process's first instruction. Prints a markdown table with the peers' figures.
"""
import argparse, ctypes, json, os, select, shutil, signal, statistics, subprocess, sys, tempfile, time

PEERS = {  # ../shared/peers/RESULTS.md, run B (medians)
    "ready_100": {"s6": "136", "runit": "n/a", "supervisord": "2748"},
    "ready_1000": {"s6": "1447", "runit": "n/a", "supervisord": "8312"},
    "started_100": {"s6": "115", "runit": "123", "supervisord": "1762"},
    "started_1000": {"s6": "1141", "runit": "1813", "supervisord": "7312"},
    "restart": {"s6": "2.2", "runit": "2.2", "supervisord": "1014"},
    "pss_100": {"s6": "13.3", "runit": "9.9", "supervisord": "29.1"},
    "pss_1000": {"s6": "123.1", "runit": "91.1", "supervisord": "34.6"},
    "idle_1000": {"s6": "0 / 0", "runit": "1.6 / 6", "supervisord": "122 / 29"},
    "idle_100": {"s6": "0 / 0", "runit": "0.2 / 2", "supervisord": "6.0 / 10"},
    "stop_100": {"s6": "47", "runit": "61", "supervisord": "1036"},
    "stop_1000": {"s6": "523", "runit": "994", "supervisord": "3151"},
}

libc = ctypes.CDLL(None, use_errno=True)
IN_MODIFY = 0x2


class Watch:
    """inotify on one file: wait for it to change, with a deadline (no polling)."""
    def __init__(self, path):
        self.fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0 or libc.inotify_add_watch(self.fd, path.encode(), IN_MODIFY) < 0:
            raise OSError(ctypes.get_errno(), "inotify " + path)

    def wait(self, timeout):
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if ready:
            try:
                os.read(self.fd, 65536)
            except BlockingIOError:
                pass
        return bool(ready)


def starts(path):
    """instance -> list of (pid, ns) from the tiny services' log."""
    out = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3:
                out.setdefault(parts[0], []).append((int(parts[1]), int(parts[2])))
    return out


def proc_fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read().rsplit(")", 1)[1].split()
    with open(f"/proc/{pid}/schedstat") as f:
        oncpu_ns = int(f.read().split()[0])
    status = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status") if ":" in line)
    return {"ticks": int(stat[11]) + int(stat[12]), "oncpu_ns": oncpu_ns,
            "wakeups": int(status["voluntary_ctxt_switches"]), "rss_kib": int(status["VmRSS"].split()[0])}


def pss_kib(pid):
    for line in open(f"/proc/{pid}/smaps_rollup"):
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def run(roster, stack, *args, check=True):
    result = subprocess.run([roster, *args, "-f", stack], capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise SystemExit(f"roster {' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return result


def bench(n, roster, tiny, samples, idle):
    work = tempfile.mkdtemp(prefix=f"roster-bench-{n}-")
    os.chmod(work, 0o755)  # run as root, Roster runs the instances as the user roster
    try:
        os.makedirs(f"{work}/roles.d/bench")
        with open(f"{work}/roles.d/bench/role.yaml", "w") as f:
            f.write(f"name: bench\nexec: {tiny}\nrestart: always\nrestart-sec: 0\nstart-limit-burst: 0\n")
        stack = f"{work}/roster.yaml"
        with open(stack, "w") as f:
            f.write(f"stack: bench\nroles:\n  bench: {{instances: {n}}}\n")
        log = f"{work}/starts.log"
        open(log, "w").close()
        os.chmod(log, 0o666)  # the instances append to it as roster
        os.environ["TINY_LOG"] = log

        t0 = time.time_ns()
        run(roster, stack, "up", "--detach")
        run(roster, stack, "start", "bench")
        ready_ms = (time.time_ns() - t0) / 1e6
        first = starts(log)
        started_ms = (max(ns for runs in first.values() for _, ns in runs) - t0) / 1e6
        assert len(first) == n, f"{len(first)} of {n} services started"
        supervisor = int(open(f"{work}/.roster/supervisor.run").read().split()[0])

        # Restart latency: kill(2) → first instruction of the replacement.
        watch = Watch(log)
        latencies = []
        for i in range(samples):
            victim = f"bench/{(i * 7919) % n}"
            pid, _ = starts(log)[victim][-1]
            before = len(starts(log)[victim])
            t_kill = time.time_ns()
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 5
            while len(starts(log).get(victim, [])) == before:
                if not watch.wait(deadline - time.monotonic()):
                    raise SystemExit(f"{victim} was not restarted within 5 s")
            latencies.append((starts(log)[victim][-1][1] - t_kill) / 1e6)
        run(roster, stack, "start", "bench")  # every instance ready again

        # Memory after settling, then idle cost over the window.
        time.sleep(1)
        rss = proc_fields(supervisor)["rss_kib"] / 1024
        pss = pss_kib(supervisor) / 1024
        a = proc_fields(supervisor)
        time.sleep(idle)
        b = proc_fields(supervisor)
        idle_ms = (b["oncpu_ns"] - a["oncpu_ns"]) / 1e6
        wakeups = b["wakeups"] - a["wakeups"]

        # Orderly stop: `roster down` until the supervisor itself has exited.
        pidfd = os.pidfd_open(supervisor)
        t_stop = time.monotonic_ns()
        run(roster, stack, "down")
        select.select([pidfd], [], [], 30)
        stop_ms = (time.monotonic_ns() - t_stop) / 1e6
        os.close(pidfd)
        lat = sorted(latencies)
        return {"n": n, "ready_ms": ready_ms, "started_ms": started_ms, "restart_median": statistics.median(lat),
                "restart_p90": lat[int(0.9 * (len(lat) - 1))], "restart_max": lat[-1], "rss": rss, "pss": pss,
                "idle_ms": idle_ms, "wakeups": wakeups, "idle_s": idle, "stop_ms": stop_ms}
    finally:
        subprocess.run([roster, "down", "-f", f"{work}/roster.yaml"], capture_output=True, timeout=60)
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--roster", required=True)
    parser.add_argument("--tiny", required=True)
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--idle", type=float, default=30)
    parser.add_argument("--json", help="also write raw results here")
    args = parser.parse_args()
    roster, tiny = os.path.abspath(args.roster), os.path.abspath(args.tiny)
    results = [bench(int(n), roster, tiny, args.samples, args.idle) for n in args.sizes.split(",")]
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)

    def peers(key):
        p = PEERS.get(key, {})
        return f"{p.get('s6', '–')} | {p.get('runit', '–')} | {p.get('supervisord', '–')}"

    print(f"\nRoster core benchmark — {os.uname().release}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}")
    print("Peers: medians of ../shared/peers/RESULTS.md run B, same machine kind, same kind of tiny service.\n")
    print("| metric | N | Roster | s6 | runit | supervisord |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in results:
        n = r["n"]
        print(f"| all started (ms from exec) | {n} | {r['started_ms']:.0f} | {peers(f'started_{n}')} |")
        print(f"| all ready, supervisor says so (ms from exec) | {n} | {r['ready_ms']:.0f} | {peers(f'ready_{n}')} |")
        print(f"| restart after SIGKILL, median / p90 / max (ms, {args.samples} samples) | {n} | "
              f"{r['restart_median']:.2f} / {r['restart_p90']:.2f} / {r['restart_max']:.2f} | {peers('restart')} |")
        print(f"| supervisor memory, RSS / PSS (MiB) | {n} | {r['rss']:.1f} / {r['pss']:.1f} | {peers(f'pss_{n}')} |")
        print(f"| idle {r['idle_s']:.0f} s: CPU ms / wakeups | {n} | {r['idle_ms']:.1f} / {r['wakeups']} | {peers(f'idle_{n}')} |")
        print(f"| orderly stop, everything exited (ms) | {n} | {r['stop_ms']:.0f} | {peers(f'stop_{n}')} |")
    print("\nPeers' memory column is PSS of all their supervisor processes; restart figures are their N=100 runs.")


if __name__ == "__main__":
    main()
