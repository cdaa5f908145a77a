#!/bin/sh
# doc/screenshot.sh - refresh the dashboard capture in README.md: run
# `burble train` on the default corpus in a detached tmux (100 x 34), type a
# prime after SECONDS (default 85), capture the screen and put it between
# the README's "What it looks like" fences. Run from the top of a built tree.
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
secs=${1:-85}
command -v tmux >/dev/null || { echo "screenshot: tmux is needed" >&2; exit 1; }
[ -x ./burble ] || { echo "screenshot: build burble first" >&2; exit 1; }
sock=burble-shot-$$
tmp=$(mktemp -d)
trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
tmux -L "$sock" -f /dev/null new-session -d -x 100 -y 34 \
	"env LANG=C.UTF-8 LC_ALL=C.UTF-8 XDG_STATE_HOME=$tmp/state ./burble train corpora/quillfeather.txt -o $tmp/shot.safetensors; sleep 600"
sleep "$secs"
tmux -L "$sock" send-keys 'The owl'
sleep 1
tmux -L "$sock" send-keys Enter
sleep 10
tmux -L "$sock" capture-pane -p | sed 's/[[:space:]]*$//' >"$tmp/screen"
# Replace the first ```text block after "## What it looks like".
awk -v shot="$tmp/screen" '
	/^## What it looks like/ { section = 1 }
	section == 1 && /^```text$/ { print; while ((getline l < shot) > 0) print l; skip = 1; next }
	skip && /^```$/ { skip = 0; section = 2 }
	!skip { print }
' README.md >"$tmp/README.md"
cp "$tmp/README.md" README.md
echo "screenshot: README.md updated"
