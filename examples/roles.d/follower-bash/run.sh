#!/bin/bash
# Follows the ready instances of `backend`: writes their address:port to upstreams.txt (in the
# instance's state directory, the working directory) and re-renders it on every SIGHUP.
set -u

render() {
    # Ready and reloading instances serve; everything else is left out.
    jq -r '.roles.backend.instances[]
           | select(.state == "ready" or .state == "reloading")
           | "\(.address):\(.ports.http)"' "$ROSTER_DISCOVERY" > upstreams.txt.new || return 1
    mv upstreams.txt.new upstreams.txt       # atomic for whoever reads it
    count=$(wc -l < upstreams.txt)
}

reload() {
    systemd-notify RELOADING=1
    if render; then
        echo "following $count backend(s): $(paste -sd' ' upstreams.txt)"
        systemd-notify --ready --status="following $count backend(s)"
    else
        systemd-notify --ready --status="cannot read $ROSTER_DISCOVERY; keeping the old list"
    fi
}

stop() {
    systemd-notify STOPPING=1
    exit 0
}

trap reload HUP
trap stop TERM INT
render || { echo "cannot read $ROSTER_DISCOVERY" >&2; exit 111; }
echo "following $count backend(s): $(paste -sd' ' upstreams.txt)"
systemd-notify --ready --status="following $count backend(s)"
while true; do
    sleep infinity &
    wait $!        # returns early when a trapped signal arrives
done
