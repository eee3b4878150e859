#!/usr/bin/env bash
# Stops Log Processor's Docker Compose stack and removes its containers.
# The data (Postgres, Redis, local blobs) stays in its volumes, unless
# --purge is given: then the volumes are removed too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source deploy/compose.sh

main() {
  local down=(down --remove-orphans)
  case "${1:-}" in
    "") ;;
    --purge) down+=(--volumes) ;;
    -h | --help)
      echo "usage: deploy/stop.sh [--purge]   (--purge also deletes the database, queue and blob volumes)"
      return 0
      ;;
    *) die "unknown argument '$1'; usage: deploy/stop.sh [--purge]" ;;
  esac
  [[ $# -le 1 ]] || die "too many arguments; usage: deploy/stop.sh [--purge]"
  find_compose
  # compose.yaml requires JWT_SECRET even to take the stack down; with no
  # .env any value will do for that.
  if [[ -f $ENV_FILE ]]; then
    compose+=(--env-file "$ENV_FILE")
  fi
  JWT_SECRET=${JWT_SECRET:-unused-by-down} "${compose[@]}" "${down[@]}"
}

main "$@"
