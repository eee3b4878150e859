#!/usr/bin/env bash
# Builds and starts Log Processor with Docker Compose (Postgres, Redis, the
# migrations, the API and the workers), waits until the API is ready and
# prints its URL. Creates .env with a random JWT_SECRET when there is none.
# Stop it with deploy/stop.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source deploy/compose.sh

API_URL=http://localhost:8080
WAIT_SECONDS=60

main() {
  [[ $# -eq 0 ]] || die "takes no arguments (see the header of deploy/start.sh)"
  find_compose
  ensure_jwt_secret
  "${compose[@]}" --env-file "$ENV_FILE" up -d --build
  wait_until_ready
  echo "Log Processor is up: $API_URL (readiness: $API_URL/readyz). Stop it with deploy/stop.sh."
}

# ensure_jwt_secret makes sure compose finds a JWT_SECRET: in the shell's
# environment, or in .env, where a random one is added if missing.
ensure_jwt_secret() {
  [[ -n ${JWT_SECRET:-} ]] && return 0
  if [[ -f $ENV_FILE ]] && grep -Eq '^[[:space:]]*(export[[:space:]]+)?JWT_SECRET=.' "$ENV_FILE"; then
    return 0
  fi
  (
    umask 077
    [[ -f $ENV_FILE ]] || echo "# Settings for deploy/compose.yaml; see .env.example. Keep this file private." >"$ENV_FILE"
    echo "JWT_SECRET=$(random_hex)" >>"$ENV_FILE"
  )
  echo "Wrote a random JWT_SECRET to $ENV_FILE."
}

random_hex() {
  if command -v openssl >/dev/null 2>&1; then
    openssl rand -hex 32
  else
    od -An -tx1 -N32 /dev/urandom | tr -d ' \n'
  fi
}

wait_until_ready() {
  command -v curl >/dev/null 2>&1 || die "the stack started, but curl is missing to check $API_URL/readyz"
  local deadline=$((SECONDS + WAIT_SECONDS)) err=""
  echo "Waiting up to ${WAIT_SECONDS}s for $API_URL/readyz ..."
  until err=$(curl -fsS -o /dev/null --max-time 3 "$API_URL/readyz" 2>&1); do
    if ((SECONDS >= deadline)); then
      "${compose[@]}" --env-file "$ENV_FILE" ps >&2 || true
      "${compose[@]}" --env-file "$ENV_FILE" logs --tail 50 api >&2 || true
      die "the API was not ready after ${WAIT_SECONDS}s (last answer: ${err:-none}); its state and logs are above"
    fi
    sleep 2
  done
}

main "$@"
