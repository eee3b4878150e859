# shellcheck shell=bash
# Sourced by start_backendService.sh and stop_backendService.sh, from the
# repository root: finds Docker Compose v2.20 or later and checks that a
# Docker engine answers, saying exactly what is missing otherwise.

COMPOSE_FILE=deploy/compose.yaml
# shellcheck disable=SC2034 # used by the scripts that source this file
# The stack's one settings file; deploy/compose.yaml reads it too, by its
# path relative to itself, whoever runs Compose.
ENV_FILE=.env
# Compose's include with env_file, which the stack uses to read ENV_FILE.
MIN_COMPOSE=2.20

die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

# find_compose sets the arrays `compose` to the command that runs Compose v2
# and `stack` to it on our file, or dies listing everything that is missing.
find_compose() {
  local problems=() version=""
  if version=$(docker compose version --short 2>/dev/null); then
    compose=(docker compose)
  elif version=$(docker-compose version --short 2>/dev/null); then
    compose=(docker-compose)
  elif command -v docker >/dev/null 2>&1; then
    problems+=("the Docker Compose plugin is missing: 'docker compose version' fails and there is no docker-compose (install the docker-compose-plugin package: https://docs.docker.com/compose/install/linux/)")
  else
    problems+=("Docker is not installed: neither 'docker' nor 'docker-compose' is on PATH (install Docker Engine with the Compose plugin: https://docs.docker.com/engine/install/)")
  fi
  if [[ -n $version ]] && ! version_at_least "${version#v}" "$MIN_COMPOSE"; then
    problems+=("Docker Compose is version ${version#v}; $MIN_COMPOSE or later is needed (update the docker-compose-plugin package)")
  fi
  check_engine
  if ((${#problems[@]})); then
    printf '%s: cannot run Log Processor with Docker here:\n' "$(basename "$0")" >&2
    printf '  - %s\n' "${problems[@]}" >&2
    exit 1
  fi
  # shellcheck disable=SC2034 # used by the scripts that source this file
  stack=("${compose[@]}" -f "$COMPOSE_FILE")
}

# version_at_least VERSION MIN compares major.minor numerically.
version_at_least() {
  local major=${1%%.*} minor rest=${1#*.}
  minor=${rest%%.*}
  [[ $major =~ ^[0-9]+$ && $minor =~ ^[0-9]+$ ]] || return 1
  ((major > ${2%%.*} || (major == ${2%%.*} && minor >= ${2#*.})))
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
