#!/bin/bash
# Starts a distributed Kafka Connect worker configured from the environment: every CONNECT_* variable
# becomes a worker setting (CONNECT_BOOTSTRAP_SERVERS=kafka:19092 -> bootstrap.servers=kafka:19092,
# CONNECT_CONFIG_PROVIDERS_ENV_CLASS -> config.providers.env.class). Other variables stay out of the
# file, so secrets such as HAL9_SINK_DB_PASSWORD reach connectors only through ${env:...}.
set -euo pipefail

config="${CONNECT_WORKER_CONFIG_FILE:-/tmp/connect-distributed.properties}"
: >"$config"
while IFS='=' read -r name value; do
  case "$name" in
    CONNECT_WORKER_CONFIG_FILE) ;;
    CONNECT_*)
      key="$(printf '%s' "${name#CONNECT_}" | tr 'A-Z_' 'a-z.')"
      printf '%s=%s\n' "$key" "$value" >>"$config"
      ;;
  esac
done < <(env)

for required in bootstrap.servers group.id config.storage.topic offset.storage.topic status.storage.topic; do
  grep -q "^${required}=" "$config" || { echo "connect: set CONNECT_$(tr 'a-z.' 'A-Z_' <<<"$required")" >&2; exit 2; }
done

exec /opt/kafka/bin/connect-distributed.sh "$config"
