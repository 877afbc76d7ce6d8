#!/usr/bin/env python3
"""A bounded HTTPS client for the stack's tests: keeps requests going through the balancer until
the stop file appears (or the time limit passes), then prints one JSON line with counts.
usage: load.py BASE_URL CA_FILE STOP_FILE [SECONDS_LIMIT] [THREADS]"""
import http.client, json, os, ssl, sys, threading, time, urllib.parse

# What a reused keep-alive connection that the server had just closed raises: no response came.
# Over TLS the close may surface as an EOF of the TLS layer instead of a plain disconnect.
CLOSED_WHILE_IDLE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                     ssl.SSLEOFError, ssl.SSLZeroReturnError)

base, ca, stop_file = sys.argv[1], sys.argv[2], sys.argv[3]
limit = float(sys.argv[4]) if len(sys.argv) > 4 else 120
threads = int(sys.argv[5]) if len(sys.argv) > 5 else 4
url = urllib.parse.urlparse(base)
context = ssl.create_default_context(cafile=ca)
lock = threading.Lock()
counts = {"ok": 0, "failed": 0, "apps": {}, "webs": {}, "errors": []}
deadline = time.monotonic() + limit


def worker(number):
    connection = None
    i = 0
    retry = False
    while not os.path.exists(stop_file) and time.monotonic() < deadline:
        if not retry:
            i += 1
        path = ["/api/posts?limit=5", "/", "/api/healthz"][i % 3] if i % 10 else None
        try:
            if connection is None:
                connection = http.client.HTTPSConnection(url.hostname, url.port, context=context, timeout=10)
            if path is None:
                body = json.dumps({"name": f"load {number}", "email": f"load-{number}-{i}-{time.monotonic_ns()}@example.com"})
                connection.request("POST", "/api/users", body=body, headers={"Content-Type": "application/json"})
            else:
                connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            good = response.status < 300
            with lock:
                counts["ok" if good else "failed"] += 1
                if not good and len(counts["errors"]) < 10:
                    counts["errors"].append(f"{response.status} {path}")
                app = response.getheader("X-Roster-App")
                web = response.getheader("X-Roster-Web")
                if app: counts["apps"][app] = counts["apps"].get(app, 0) + 1
                if web: counts["webs"][web] = counts["webs"].get(web, 0) + 1
            retry = False
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = None
        except CLOSED_WHILE_IDLE as error:
            # The server closed an idle keep-alive connection as we reused it (a balancer reload
            # does): no response came, so send it again on a new connection, as browsers do.
            if connection is not None:
                connection.close()
            connection = None
            if not retry:
                retry = True
                with lock:
                    counts["retried"] = counts.get("retried", 0) + 1
                continue
            retry = False
            with lock:
                counts["failed"] += 1
                if len(counts["errors"]) < 10:
                    counts["errors"].append(f"{type(error).__name__}: {error} {path}")
        except (OSError, http.client.HTTPException) as error:
            retry = False
            with lock:
                counts["failed"] += 1
                if len(counts["errors"]) < 10:
                    counts["errors"].append(f"{type(error).__name__}: {error} {path}")
            if connection is not None:
                connection.close()
            connection = None


pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
for t in pool: t.start()
for t in pool: t.join()
print(json.dumps(counts), flush=True)
