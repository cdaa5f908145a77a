# tmux.sh - sourced (after setup.sh) by the tests that drive burble in a
# real terminal: a private tmux server named after the test, its pane
# $PANE, and the helpers to read and wait for the screen.
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Set PANE (the session's name) first. Provides tm (tmux on this server),
# cap (the pane's screen) and wait_for REGEX SECONDS (until the screen
# matches, grep -E). The server is killed at exit.

need_cmd tmux
[ -x "$BURBLE" ] || skip_all "burble is not built"

SOCK="burble-$PANE-$$"
trap 'tmux -L "$SOCK" kill-server >/dev/null 2>&1; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP

tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
cap() { tm capture-pane -p -t "$PANE" 2>/dev/null; }
wait_for() {
	_end=$(($(date +%s) + $2))
	while :; do
		cap | grep -Eq -- "$1" && return 0
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.1
	done
}
