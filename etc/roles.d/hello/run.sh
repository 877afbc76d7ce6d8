#!/bin/bash
systemd-notify --ready --status="hello from $ROSTER_INSTANCE on $ROSTER_ADDRESS"
exec sleep infinity
