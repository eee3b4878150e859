#!/usr/bin/env bash
# Stops Log Processor's Docker Compose stack and removes its containers.
# The data (PostgreSQL, Redis, local blobs) stays in its volumes, so the next
# start carries on, unless --purge is given: then the volumes are deleted too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=deploy/compose.sh
source deploy/compose.sh

USAGE="usage: deploy/stop_backendService.sh [--purge]   (--purge also deletes the database, queue and blob volumes)"

main() {
  local down=(down --remove-orphans)
  case "${1:-}" in
    "") ;;
    --purge) down+=(--volumes) ;;
    -h | --help)
      echo "$USAGE"
      return 0
      ;;
    *) die "unknown argument '$1'; $USAGE" ;;
  esac
  [[ $# -le 1 ]] || die "too many arguments; $USAGE"
  find_compose
  if [[ -f $ENV_FILE ]]; then
    "${stack[@]}" "${down[@]}"
  else
    # deploy/compose.yaml cannot be read without .env; the project's name
    # is enough to find what it started.
    echo "No $ENV_FILE: stopping the project 'logproc' by name."
    "${compose[@]}" -p logproc "${down[@]}"
  fi
}

main "$@"
