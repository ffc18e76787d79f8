#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# hvsim view as a user drives it, on a virtual X server: start Xvfb on a
# display it picks itself (-displayfd: no guessing, no race), open the
# viewer on a trace, wait for its window, send keys (zoom, pan, jumps,
# the failure, two markers, a lane hidden and shown, a picture saved) and
# the mouse (move, wheel, drag, click), check it obeyed each (its --log
# lines) and is still alive, then q: it must exit 0. Xvfb and the viewer
# are killed on every path. Without Xvfb or xdotool it fails, saying so:
# the test command installs them, and a skip would pass unseen.
#
# usage: view_smoke.sh HVSIM TRACE
set -u

hvsim=$1
trace=$2
# Bounds on waiting for something to happen, in tenths of a second.
WAIT=200

if ! command -v Xvfb >/dev/null || ! command -v xdotool >/dev/null; then
	echo "view_smoke: Xvfb or xdotool is not installed (./run.sh test installs them)" >&2
	exit 1
fi

work=$(mktemp -d /tmp/hvsim-view-smoke.XXXXXX)
xvfb_pid=
view_pid=

cleanup() {
	if [ -n "$view_pid" ]; then
		kill "$view_pid" 2>/dev/null
		wait "$view_pid" 2>/dev/null
	fi
	if [ -n "$xvfb_pid" ]; then
		kill "$xvfb_pid" 2>/dev/null
		wait "$xvfb_pid" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "view_smoke: $*" >&2
	[ -f "$work/log" ] && sed 's/^/  viewer: /' "$work/log" >&2
	exit 1
}

# wait_for WHAT COMMAND...: run COMMAND every tenth of a second until it succeeds.
wait_for() {
	local what=$1 i
	shift
	for ((i = 0; i < WAIT; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	fail "timed out waiting for $what"
}

viewer_alive() {
	kill -0 "$view_pid" 2>/dev/null
}

viewer_said() {
	grep -q -- "$1" "$work/log"
}

# The viewer says @1, or has died (a failure at once).
viewer_said_or_died() {
	viewer_said "$1" && return 0
	viewer_alive && return 1
	wait "$view_pid"
	fail "the viewer died (exit status $?) before saying '$1'"
}

# Xvfb writes its display number into the fifo once it accepts clients.
mkfifo "$work/display"
Xvfb -displayfd 3 -screen 0 1400x900x24 -nolisten tcp 3>"$work/display" \
	>"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
read -r -t 20 display <"$work/display" || fail "Xvfb did not start: $(cat "$work/xvfb.log")"
export DISPLAY=:$display
unset WAYLAND_DISPLAY SDL_VIDEODRIVER

# In the ASan build: what libraries under SDL keep for good is not the viewer's leak.
export LSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")" && pwd)/view_smoke.lsan:print_suppressions=0"
cd "$work" || fail "no $work"
"$hvsim" view "$trace" --log >"$work/log" 2>&1 &
view_pid=$!
win=$(timeout 20 xdotool search --sync --name '^hvsim view' | head -n 1)
[ -n "$win" ] || fail "no window"
viewer_alive || fail "the viewer died before its window showed"
xdotool windowfocus --sync "$win" 2>/dev/null

# The mouse: into a lane, wheel in and out, a drag, a click on an event's lane.
xdotool mousemove --window "$win" 400 60 click 4 click 4 click 5
xdotool mousemove --window "$win" 600 60 mousedown 1 mousemove --window "$win" 500 60 \
	mouseup 1
xdotool mousemove --window "$win" 200 55 click 1
# The keys: zoom, pan, whole run, jumps by kind, the failure, markers, a lane, a picture.
xdotool key plus minus Right Left h l 0 k k k n shift+n Home f m
xdotool mousemove --window "$win" 700 60 key m 2 2 p
wait_for "the picture (key p)" viewer_said_or_died "saved hvsim-view-1.png"
viewer_alive || fail "the viewer died"

for said in "zoom in" "zoom out" "drag: cycles" "click: event" "pan left" "pan right" \
	"whole run" "jump kind: VM exit" "next VM exit" "previous VM exit" "failure: event" \
	"marker A at" "marker B at" "CPU1 hidden" "CPU1 shown"; do
	viewer_said "$said" || fail "no '$said' in its log"
done
head -c 8 hvsim-view-1.png | od -An -tx1 | grep -q "89 50 4e 47 0d 0a 1a 0a" ||
	fail "hvsim-view-1.png is not a PNG"

xdotool key q
wait_for "the viewer to quit on q" eval '! viewer_alive'
wait "$view_pid"
status=$?
view_pid=
[ "$status" -eq 0 ] || fail "exit status $status after q"
viewer_said "^quit$" || fail "no 'quit' in its log"
echo "view_smoke: ok"
