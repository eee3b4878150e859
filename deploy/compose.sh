# Sourced by start.sh and stop.sh, from the repository root: finds Docker
# Compose and checks that a Docker engine answers, saying exactly what is
# missing otherwise.

COMPOSE_FILE=deploy/compose.yaml
ENV_FILE=.env

die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

# find_compose sets the array `compose` to the command that runs Compose v2
# on our file, or dies listing everything that is missing.
find_compose() {
  local problems=() version
  if docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
  elif version=$(docker-compose version --short 2>/dev/null) && [[ $version == 2.* || $version == v2.* ]]; then
    compose=(docker-compose)
  elif [[ -n ${version:-} ]]; then
    problems+=("docker-compose is version $version; Compose v2 is needed (install the docker-compose-plugin package, or Compose v2 as docker-compose)")
  elif command -v docker >/dev/null 2>&1; then
    problems+=("the Docker Compose plugin is missing: 'docker compose version' fails and there is no docker-compose (install the docker-compose-plugin package: https://docs.docker.com/compose/install/linux/)")
  else
    problems+=("Docker is not installed: neither 'docker' nor 'docker-compose' is on PATH (install Docker Engine with the Compose plugin: https://docs.docker.com/engine/install/)")
  fi
  check_engine
  if ((${#problems[@]})); then
    printf '%s: cannot run Log Processor with Docker here:\n' "$(basename "$0")" >&2
    printf '  - %s\n' "${problems[@]}" >&2
    exit 1
  fi
  compose+=(-f "$COMPOSE_FILE")
}

# check_engine adds a problem when the docker CLI is there but no engine
# answers it. It runs inside find_compose and appends to its `problems`.
check_engine() {
  local err
  command -v docker >/dev/null 2>&1 || return 0
  if ! err=$(docker info --format '{{.ServerVersion}}' 2>&1 >/dev/null); then
    problems+=("no Docker engine answers: ${err%%$'\n'*} (start it, e.g. 'sudo systemctl start docker', or set DOCKER_HOST)")
  fi
}
