#!/bin/sh
# The container's start: bring the schema up to date, load the demo data if asked (SEED=1, into an
# empty database only), then serve with $WORKERS processes (several need PostgreSQL).
set -eu

hackcity migrate
if [ "${SEED:-0}" = "1" ]; then
    hackcity seed || echo "hackcity: the demo data was not loaded (see above); serving anyway" >&2
fi
exec hackcity serve --host "${HOST:-0.0.0.0}" --port "${PORT:-8000}" --workers "${WORKERS:-2}"
