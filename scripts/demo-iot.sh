#!/usr/bin/env bash
# The demo's IoT side, run by `make serve` beside the web server. With Mosquitto installed: the
# project's own broker (generated config in var/mqtt, port CITYOPS_DEMO_MQTT_PORT or 1884), the
# ingest worker, and the simulator publishing as a gateway. Without it: the simulator posts over
# HTTP to the served app. Either way `cityops iot-watch` marks silent devices offline, follows the
# cases alarms opened, and compacts and rolls up the readings.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
VAR=${CITYOPS_VAR_DIR:-var}
WEB_PORT=${1:-8000}
MQTT_PORT=${CITYOPS_DEMO_MQTT_PORT:-1884}
SIM="--speed ${CITYOPS_DEMO_SIM_SPEED:-10} --rain-in ${CITYOPS_DEMO_RAIN_IN:-600}"
mkdir -p "$VAR"

secret() {  # a generated secret kept in var/, the same on every run
  [ -s "$1" ] || (umask 077; $BIN/python -c 'import secrets; print(secrets.token_urlsafe(24))' > "$1")
  cat "$1"
}

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM
$BIN/cityops iot-watch --interval 30 & pids+=($!)

if command -v mosquitto >/dev/null 2>&1; then
  export CITYOPS_IOT_MQTT_PORT=$MQTT_PORT
  CITYOPS_IOT_MQTT_PASSWORD=$(secret "$VAR/mqtt-worker.secret"); export CITYOPS_IOT_MQTT_PASSWORD
  GATEWAY=$(secret "$VAR/mqtt-gateway.secret")
  CITYOPS_IOT_GATEWAY_PASSWORD_DEMO_GATEWAY=$GATEWAY \
  CITYOPS_IOT_STA_READER_PASSWORD_DEMO_STA=$(secret "$VAR/mqtt-sta.secret") \
    $BIN/cityops iot-mosquitto-config --out "$VAR/mqtt" --port "$MQTT_PORT" --run-as "$(id -un)" \
    --gateway demo-gateway --sta-reader demo-sta >/dev/null
  mosquitto -c "$VAR/mqtt/mosquitto.conf" & pids+=($!)
  sleep 1
  # The worker also publishes each new Observation for SensorThings MQTT subscribers.
  CITYOPS_STA_MQTT=true CITYOPS_PUBLIC_URL="http://127.0.0.1:$WEB_PORT" $BIN/cityops iot-ingest & pids+=($!)
  # shellcheck disable=SC2086
  $BIN/cityops simulate-iot --port "$MQTT_PORT" --username demo-gateway --password "$GATEWAY" $SIM & pids+=($!)
  echo "IoT: broker on 127.0.0.1:$MQTT_PORT, ingest worker and simulator (MQTT) running; SensorThings over MQTT:"
  echo "  mosquitto_sub -p $MQTT_PORT -u demo-sta -P \$(cat $VAR/mqtt-sta.secret) -t 'v1.1/Observations'"
else
  for _ in $(seq 60); do
    $BIN/python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$WEB_PORT/healthz')" \
      2>/dev/null && break
    sleep 1
  done
  # shellcheck disable=SC2086
  $BIN/cityops simulate-iot --transport http --url "http://127.0.0.1:$WEB_PORT" $SIM & pids+=($!)
  echo "IoT: no mosquitto installed; the simulator posts to http://127.0.0.1:$WEB_PORT/api/v1/iot/telemetry"
fi
wait
