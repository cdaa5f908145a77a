# tmux.sh - what the tmux-driven tests share: a private tmux server, one
# pane named $PANE, keys sent to it and its screen read back. Sourced after
# setup.sh, with PANE set.
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later

need_cmd tmux
[ -x "$BURBLE" ] || skip_all "burble is not built"

SOCK="burble-$PANE-$$"
trap 'tmux -L "$SOCK" kill-server >/dev/null 2>&1; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP

tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
cap() { tm capture-pane -p -t "$PANE" 2>/dev/null; }
keys() { tm send-keys -t "$PANE" "$@"; }
# wait_for REGEX SECONDS: until the screen matches (grep -E)
wait_for() {
	_end=$(($(date +%s) + $2))
	while :; do
		cap | grep -Eq -- "$1" && return 0
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.1
	done
}
show() { cap | sed 's/^/# /'; }
# start_shell COLUMNS ROWS: a plain sh in a UTF-8 locale in the pane.
start_shell() {
	tm new-session -d -s "$PANE" -x "$1" -y "$2" \
	    "env PS1='$ ' ENV= LC_ALL=C.UTF-8 LANG=C.UTF-8 TERM=screen sh" ||
		skip_all "tmux cannot start a session"
	tm set-option -t "$PANE" -g status off >/dev/null 2>&1
	sleep 0.3
}
