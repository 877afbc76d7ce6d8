#!/usr/bin/env python3
"""Reads discovery, reports how many `hello` instances are ready, and re-reads on SIGHUP."""
import json, os, signal, socket, time

def notify(text):
    address = os.environ["NOTIFY_SOCKET"]
    if address.startswith("@"):
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.sendto(text.encode(), address)

def ready_hellos():
    with open(os.environ["ROSTER_DISCOVERY"]) as f:
        doc = json.load(f)
    return [i["id"] for i in doc["roles"]["hello"]["instances"] if i["state"] in ("ready", "reloading")]

def reload(*_):
    notify("RELOADING=1\nMONOTONIC_USEC=%d" % (time.monotonic_ns() // 1000))
    hellos = ready_hellos()
    print("hello instances ready:", ", ".join(hellos) or "none", flush=True)
    notify("READY=1\nSTATUS=watching %d hello instance(s)" % len(hellos))

signal.signal(signal.SIGHUP, reload)
reload()
interval = int(os.environ.get("WATCHDOG_USEC", "0")) / 2e6
while True:
    if interval:
        notify("WATCHDOG=1")
        time.sleep(interval)
    else:
        signal.pause()
