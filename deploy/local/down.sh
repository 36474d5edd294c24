#!/usr/bin/env bash
# Stop what deploy/local/up.sh started for the project: the Kafka broker (its data stays in
# deploy/local/.run/kafka; `bash deploy/local/kafka.sh clean` deletes it). PostgreSQL and Redis
# belong to the machine and are left running.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$here/kafka.sh" down
