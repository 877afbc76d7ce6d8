#!/bin/bash
systemd-notify --ready --status="backend $ROSTER_INSTANCE on $ROSTER_ADDRESS:$ROSTER_PORT_HTTP"
exec sleep infinity
