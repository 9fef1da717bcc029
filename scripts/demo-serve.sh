#!/usr/bin/env bash
# The demo's serving processes, run by `make serve` (and so by `make demo`): the web server, the
# background worker (every app's jobs — the video health sweep among them —, and the demo's live
# trickle of new cases), the IoT side, and the simulated cameras (RTSP responders on
# CITYOPS_DEMO_RTSP_PORT or 18554, posting an AI alert to the webhook now and then).
# With Mosquitto installed: the project's own broker (generated config in var/mqtt, port
# CITYOPS_DEMO_MQTT_PORT or 1884), the ingest worker, and the simulator publishing as a gateway.
# Without it: the simulator posts over HTTP to the served app.
#
# This script is their supervisor. Each process starts in a session of its own, so that it and
# every process it forks (gunicorn's workers) can be signalled as one group. Ctrl-C, TERM, or the
# web server ending stops them all: TERM to every group, KILL to what is still there after a grace
# period, and then the script exits — it starts nothing after a signal. Nothing it started
# outlives it.
#
# Usage: scripts/demo-serve.sh [HOST] [PORT]
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
VAR=${CITYOPS_VAR_DIR:-var}
HOST=${1:-127.0.0.1}
WEB_PORT=${2:-8000}
MQTT_PORT=${CITYOPS_DEMO_MQTT_PORT:-1884}
RTSP_PORT=${CITYOPS_DEMO_RTSP_PORT:-18554}
SIP_PORT=${CITYOPS_DEMO_SIP_PORT:-15060}
SIM="--speed ${CITYOPS_DEMO_SIM_SPEED:-10} --rain-in ${CITYOPS_DEMO_RAIN_IN:-600}"
GRACE_TENTHS=60 # 6 s for a graceful stop, then KILL (the test allows 10 s in all)
mkdir -p "$VAR"

groups=()    # the process group of each started process (its pid: each leads its own session)
stopping=""

start() { # run "$@" in the background, in a new session when setsid exists
  if command -v setsid >/dev/null 2>&1; then setsid "$@" & else "$@" & fi
  groups+=("$!")
}

signal_all() { # send $1 to every group (or the process itself, without setsid)
  local g
  for g in "${groups[@]}"; do kill "-$1" -- "-$g" 2>/dev/null || kill "-$1" "$g" 2>/dev/null; done
}

any_alive() {
  local g
  for g in "${groups[@]}"; do
    kill -0 -- "-$g" 2>/dev/null && return 0
    kill -0 "$g" 2>/dev/null && return 0
  done
  return 1
}

stop() { # TERM to every group; KILL to what is left after the grace period
  [ -n "$stopping" ] && return
  stopping=1
  [ "${#groups[@]}" -eq 0 ] && return
  echo "Stopping the demo's processes…" >&2
  signal_all TERM
  for _ in $(seq "$GRACE_TENTHS"); do
    any_alive || break
    sleep 0.1
  done
  any_alive && signal_all KILL
  wait 2>/dev/null
}

on_signal() { # $1: the exit status
  if [ -n "$stopping" ]; then
    # Ctrl-C again: no more grace. A second TERM is ignored: make forwards the TERM its process
    # group already had, so one TERM arrives twice.
    [ "$1" = 130 ] && signal_all KILL
    return
  fi
  stop
  exit "$1"
}

trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'stop' EXIT

secret() { # a generated secret kept in var/, the same on every run
  [ -s "$1" ] || (umask 077; $BIN/python -c 'import secrets; print(secrets.token_urlsafe(24))' > "$1")
  cat "$1"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

web_up() {
  $BIN/python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$WEB_PORT/healthz', timeout=2)" \
    2>/dev/null
}

MQTT=""
command -v mosquitto >/dev/null 2>&1 && MQTT=1

if [ -n "$MQTT" ]; then
  export CITYOPS_IOT_MQTT_PORT=$MQTT_PORT
  CITYOPS_IOT_MQTT_PASSWORD=$(secret "$VAR/mqtt-worker.secret")
  export CITYOPS_IOT_MQTT_PASSWORD
  GATEWAY=$(secret "$VAR/mqtt-gateway.secret")
  CITYOPS_IOT_GATEWAY_PASSWORD_DEMO_GATEWAY=$GATEWAY \
  CITYOPS_IOT_STA_READER_PASSWORD_DEMO_STA=$(secret "$VAR/mqtt-sta.secret") \
    $BIN/cityops iot-mosquitto-config --out "$VAR/mqtt" --port "$MQTT_PORT" --run-as "$(id -un)" \
    --gateway demo-gateway --sta-reader demo-sta >/dev/null || exit 1
  start mosquitto -c "$VAR/mqtt/mosquitto.conf"
  for _ in $(seq 50); do port_open "$MQTT_PORT" && break; sleep 0.1; done
  # The ingest also publishes each new Observation for SensorThings MQTT subscribers.
  start env CITYOPS_STA_MQTT=true CITYOPS_PUBLIC_URL="http://127.0.0.1:$WEB_PORT" $BIN/cityops iot-ingest
  export CITYOPS_STA_MQTT_ENDPOINT="mqtt://127.0.0.1:$MQTT_PORT"
fi

# The AI-alert webhook's key, shared by the web server and the camera simulator.
CITYOPS_VIDEO_WEBHOOK_KEY=${CITYOPS_VIDEO_WEBHOOK_KEY:-$(secret "$VAR/video-webhook.secret")}
export CITYOPS_VIDEO_WEBHOOK_KEY

start env CITYOPS_DEMO_TRICKLE_SECONDS="${CITYOPS_DEMO_TRICKLE_SECONDS:-30}" $BIN/cityops worker
start $BIN/cityops serve --host "$HOST" --port "$WEB_PORT"
web=$!

if [ -n "$MQTT" ]; then
  # shellcheck disable=SC2086
  start $BIN/cityops simulate-iot --port "$MQTT_PORT" --username demo-gateway --password "$GATEWAY" $SIM
  echo "IoT: broker on 127.0.0.1:$MQTT_PORT, ingest worker and simulator (MQTT) running; SensorThings over MQTT:"
  echo "  mosquitto_sub -p $MQTT_PORT -u demo-sta -P \$(cat $VAR/mqtt-sta.secret) -t 'v1.1/Observations'"
else
  for _ in $(seq 60); do web_up && break; sleep 1; done
  # shellcheck disable=SC2086
  start $BIN/cityops simulate-iot --transport http --url "http://127.0.0.1:$WEB_PORT" $SIM
  echo "IoT: no mosquitto installed; the simulator posts to http://127.0.0.1:$WEB_PORT/api/v1/iot/telemetry"
fi

# The cameras in service point at the simulator; the worker's video.sweep probes them.
start $BIN/cityops simulate-video --rewrite-urls --port "$RTSP_PORT" \
  --alerts-url "http://127.0.0.1:$WEB_PORT/api/v1/video/alerts"
echo "Video: simulated cameras on rtsp://127.0.0.1:$RTSP_PORT/<channel id>, probed by the worker's video.sweep"
# The GB/T 28181 access point, where NVRs and lower platforms register (UDP and TCP).
CITYOPS_VIDEO_SIP_PASSWORD=${CITYOPS_VIDEO_SIP_PASSWORD:-$(secret "$VAR/video-sip.secret")}
start env CITYOPS_VIDEO_SIP_PASSWORD="$CITYOPS_VIDEO_SIP_PASSWORD" $BIN/cityops video-sip --host "$HOST" --port "$SIP_PORT"
echo "Video: GB/T 28181 access point on $HOST:$SIP_PORT (UDP and TCP); device password in $VAR/video-sip.secret"

wait "$web"
status=$?
echo "The web server ended (status $status)." >&2
exit "$status"
