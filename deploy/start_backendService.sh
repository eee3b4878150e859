#!/usr/bin/env bash
# Builds and starts Log Processor with Docker Compose: PostgreSQL, Redis, the
# API and WORKER_REPLICAS workers (deploy/compose.yaml). In order:
#   1. writes a random JWT_SECRET to .env when it names no token verifier;
#   2. builds the image;
#   3. checks the settings with the program itself (`logproc check`, in a
#      one-off container with the stack's settings), so a wrong setting is
#      reported once, with what to set, instead of containers restarting;
#   4. starts the stack and waits until every service's health check passes;
#   5. checks that the API's published port (HTTP_PORT) reaches this stack's
#      own API container, not another process on that port, and prints
#      its URL.
# Settings are read from .env at the repository root; see .env.example.
# Stop it with deploy/stop_backendService.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=deploy/compose.sh
source deploy/compose.sh

# How long Compose waits for every health check to pass.
WAIT_SECONDS=${WAIT_SECONDS:-180}

main() {
  case "${1:-}" in
    "") ;;
    -h | --help)
      echo "usage: deploy/start_backendService.sh   (settings in .env; see .env.example and the README)"
      return 0
      ;;
    *) die "takes no arguments; settings go in $ENV_FILE (see .env.example)" ;;
  esac
  command -v curl >/dev/null 2>&1 || die "curl is needed to check the API once it is up (apt-get install curl)"
  find_compose
  bash deploy/env.sh "$ENV_FILE"
  "${stack[@]}" build
  preflight
  if ! "${stack[@]}" up -d --remove-orphans --wait --wait-timeout "$WAIT_SECONDS"; then
    show_state
    die "the stack did not become healthy within ${WAIT_SECONDS}s; its state and logs are above"
  fi
  local url
  url=$(published_url)
  check_own_container "$url"
  echo "Log Processor is up: $url (readiness: $url/readyz). Logs: ${stack[*]} logs -f. Stop it with deploy/stop_backendService.sh."
}

# preflight runs `logproc check` with exactly the settings the containers
# get: it lists every missing or malformed setting, and probes the Supabase
# bucket and the JWKS when they are configured.
preflight() {
  if ! "${stack[@]}" run --rm --no-deps -T api check; then
    die "fix the settings above in $ENV_FILE (see .env.example), then run this again"
  fi
}

# published_url asks Compose which host port this stack published the API
# on, so the URL is this stack's whatever HTTP_PORT says.
published_url() {
  local hostport
  hostport=$("${stack[@]}" port api 8080) || die "the api container publishes no port"
  echo "http://127.0.0.1:${hostport##*:}"
}

# check_own_container compares the instance id of the API answering on the
# published port with the one its container reports from inside: another
# process on that port (a local `make run`, another stack) has another id.
check_own_container() {
  local url=$1 inside outside
  inside=$("${stack[@]}" exec -T api /logproc healthcheck --print | instance_of) ||
    die "the api container does not answer its own health check"
  outside=$(curl -fsS --max-time 5 "$url/readyz" | instance_of) ||
    die "$url/readyz does not answer, although the api container is healthy (a firewall, or HTTP_PORT taken on another address?)"
  if [[ -z $inside || $inside != "$outside" ]]; then
    die "$url is answered by another process than this stack's api container (instance '$outside', want '$inside'): free the port or set HTTP_PORT in $ENV_FILE"
  fi
}

# instance_of reads the "instance" field of a /readyz body on stdin.
instance_of() {
  sed -n 's/.*"instance":"\([^"]*\)".*/\1/p'
}

show_state() {
  "${stack[@]}" ps -a >&2 || true
  "${stack[@]}" logs --tail 50 api worker >&2 || true
}

main "$@"
