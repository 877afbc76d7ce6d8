#!/usr/bin/env python3
"""Serving-tier benchmark: the whole seed stack under Roster.

Boot time to all ready (cold: fresh state directory; warm: again, state kept) beside the sum of the
roles' own start times on the critical path (db-primary → app → web → balancer), then requests/s
and p50/p99 latency for a static page and GET /api/posts/{id} through the balancer over HTTPS,
through one web instance directly, and straight to one app instance. Needs wrk. Prints a table."""
import json, os, re, shutil, ssl, subprocess, sys, tempfile, time, urllib.request

roster = os.path.abspath(sys.argv[1])
site = os.path.abspath(sys.argv[2])
seconds = int(os.environ.get("BENCH_SECONDS", "5"))
work = tempfile.mkdtemp(prefix="roster-bench-stack-")
os.chmod(work, 0o755)  # run as root, Roster runs the roles as the user roster
stack = f"{work}/roster.yaml"
with open(stack, "w") as f:
    f.write(f"""stack: benchstack
domain: foobar.com
roles:
  db-primary: {{}}
  db-replica: {{}}
  app: {{instances: 2}}
  web: {{instances: 2, options: {{site: {site}}}}}
  balancer: {{}}
""")


def cli(*args):
    subprocess.run([roster, *args, "-f", stack], check=True, capture_output=True, timeout=300)


def stamp(line):
    return time.mktime(time.strptime(line[:19], "%Y-%m-%dT%H:%M:%S")) + float("0." + line[20:23])


def boot():
    log = f"{work}/.roster/logs/roster.log"
    offset = os.path.getsize(log) if os.path.exists(log) else 0
    t0 = time.time()
    cli("up", "--detach")
    cli("start", "balancer")
    cli("start", "db-replica")
    total = time.time() - t0
    lines = open(log, "rb").read()[offset:].decode().splitlines()
    durations = {}
    for role in ["db-primary", "db-replica", "app", "web", "balancer"]:
        # Per instance: its first start to its first ready after it (later "ready" lines are reloads).
        first_start, first_ready = {}, {}
        for l in lines:
            m = re.search(rf" ({role}/\d+): (starting|ready)", l)
            if not m:
                continue
            if m.group(2) == "starting":
                first_start.setdefault(m.group(1), stamp(l))
            elif m.group(1) in first_start:
                first_ready.setdefault(m.group(1), stamp(l))
        durations[role] = max(first_ready.values()) - min(first_start.values())
    # Two chains end the boot: to the balancer, and to a caught-up replica.
    path = max(durations["db-primary"] + durations["app"] + durations["web"] + durations["balancer"],
               durations["db-primary"] + durations["db-replica"])
    last_ready = max(stamp(l) for l in lines if ": ready" in l)
    supervisor = last_ready - stamp(next(l for l in lines if " instances of " in l))
    return total * 1000, path * 1000, supervisor * 1000


def wrk(url):
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    def pct(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: (.*)", out)
    return rps, pct(50), pct(99), (errors.group(1) if errors else "0") + (f"; socket {socket.group(1)}" if socket else "")


try:
    cold, cold_path, cold_inside = boot()
    cli("down")
    warm, warm_path, warm_inside = boot()
    ca = f"{work}/.roster/instances/balancer/0/tls/ca.crt"
    context = ssl.create_default_context(cafile=ca)
    request = urllib.request.Request("https://127.81.0.1:8443/api/users", method="POST",
                                     data=json.dumps({"name": "Bench", "email": "bench@example.com"}).encode(),
                                     headers={"Content-Type": "application/json"})
    user = json.load(urllib.request.urlopen(request, context=context))["id"]
    request = urllib.request.Request("https://127.81.0.1:8443/api/posts", method="POST",
                                     data=json.dumps({"author_id": user, "title": "bench", "body": "x" * 200}).encode(),
                                     headers={"Content-Type": "application/json"})
    post = json.load(urllib.request.urlopen(request, context=context))["id"]
    time.sleep(0.5)  # let the replica apply it: the reads below go there
    rows = [
        ("static page, through the balancer (HTTPS)", "https://127.81.0.1:8443/"),
        ("static page, one web directly (HTTP)", "http://127.80.0.1:8080/"),
        (f"GET /api/posts/{post}, through the balancer (HTTPS)", f"https://127.81.0.1:8443/api/posts/{post}"),
        (f"GET /api/posts/{post}, one web directly", f"http://127.80.0.1:8080/api/posts/{post}"),
        (f"GET /api/posts/{post}, one app directly", f"http://127.79.0.1:8000/api/posts/{post}"),
    ]
    results = [(name, *wrk(url)) for name, url in rows]
    print(f"\nRoster serving-tier benchmark — {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}; "
          f"wrk -t2 -c32 -d{seconds}s on the same machine (it shares the 2 cores with the stack)\n")
    print("| boot | `roster up` → all ready, CLI included (ms) | supervisor start → all ready (ms) | roles' own start on the critical path (ms) | ratio (supervisor / path) |")
    print("|---|---:|---:|---:|---:|")
    print(f"| cold (fresh state: install, seed, certificates) | {cold:.0f} | {cold_inside:.0f} | {cold_path:.0f} | {cold_inside / cold_path:.2f} |")
    print(f"| warm | {warm:.0f} | {warm_inside:.0f} | {warm_path:.0f} | {warm_inside / warm_path:.2f} |")
    print("\n| requests | req/s | p50 (ms) | p99 (ms) | non-2xx |")
    print("|---|---:|---:|---:|---:|")
    for name, rps, p50, p99, errors in results:
        print(f"| {name} | {rps:.0f} | {p50:.2f} | {p99:.2f} | {errors} |")
finally:
    subprocess.run([roster, "down", "-f", stack], capture_output=True, timeout=120)
    shutil.rmtree(work, ignore_errors=True)
