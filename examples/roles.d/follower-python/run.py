#!/usr/bin/env python3
"""Follows the ready instances of `backend`: writes their address:port to upstreams.txt (in the
instance's state directory, the working directory) and re-renders it on every SIGHUP. Pings the
watchdog while healthy. Python standard library only."""
import json, os, signal, socket, sys, time


def notify(*fields):
    """One datagram of the notify protocol (what sd_notify does)."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return
    if address.startswith("@"):
        address = "\0" + address[1:]          # abstract socket
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.sendto("\n".join(fields).encode(), address)


def render():
    with open(os.environ["ROSTER_DISCOVERY"]) as f:
        discovery = json.load(f)
    backends = [f"{i['address']}:{i['ports']['http']}"
                for i in discovery["roles"]["backend"]["instances"]
                if i["state"] in ("ready", "reloading")]
    with open("upstreams.txt.new", "w") as f:
        f.write("".join(b + "\n" for b in backends))
    os.replace("upstreams.txt.new", "upstreams.txt")     # atomic for whoever reads it
    print(f"following {len(backends)} backend(s): {' '.join(backends)}", flush=True)
    return len(backends)


def reload(*_):
    notify("RELOADING=1", f"MONOTONIC_USEC={time.monotonic_ns() // 1000}")
    try:
        count = render()
        notify("READY=1", f"STATUS=following {count} backend(s)")
    except (OSError, ValueError, KeyError) as error:
        notify("READY=1", f"STATUS=cannot read discovery ({error}); keeping the old list")


def stop(*_):
    notify("STOPPING=1")
    sys.exit(0)


signal.signal(signal.SIGHUP, reload)
signal.signal(signal.SIGTERM, stop)
try:
    count = render()
except (OSError, ValueError, KeyError) as error:
    print(f"cannot read discovery: {error}", file=sys.stderr)
    sys.exit(111)                                       # temporary failure: restart by policy
notify("READY=1", f"STATUS=following {count} backend(s)")

interval = int(os.environ.get("WATCHDOG_USEC", "0")) / 2e6
while True:
    if interval:
        notify("WATCHDOG=1")                            # healthy: this loop is alive
        time.sleep(interval)
    else:
        signal.pause()
