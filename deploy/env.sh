#!/usr/bin/env bash
# Makes sure the settings file (default .env) names a token verifier: when
# it sets neither JWT_SECRET nor JWT_JWKS_URL to a value, a random 32-byte
# JWT_SECRET is written into it, in place of an empty `JWT_SECRET=` line if
# there is one (two lines would leave it to each reader which one wins).
# Used by `make env` and deploy/start_backendService.sh. The secret's length
# and the other settings are checked by `logproc check`, not here.
set -euo pipefail

env_file=${1:-.env}

# has_value NAME: the file assigns NAME a non-empty value on a live line.
has_value() {
  grep -Eq "^[[:space:]]*(export[[:space:]]+)?$1=[\"']?[^\"'[:space:]#]" "$env_file"
}

random_hex() {
  if command -v openssl >/dev/null 2>&1; then
    openssl rand -hex 32
  else
    od -An -tx1 -N32 /dev/urandom | tr -d ' \n'
  fi
}

main() {
  if [[ -f $env_file ]] && { has_value JWT_SECRET || has_value JWT_JWKS_URL; }; then
    return 0
  fi
  local secret empty='^[[:space:]]*(export[[:space:]]+)?JWT_SECRET=(""|'"''"')?[[:space:]]*$'
  secret=$(random_hex)
  umask 077
  if [[ -f $env_file ]] && grep -Eq "$empty" "$env_file"; then
    sed -E -i "s/$empty/JWT_SECRET=$secret/" "$env_file"
  else
    [[ -f $env_file ]] || echo "# Log Processor settings; see .env.example. Keep this file private." >"$env_file"
    echo "JWT_SECRET=$secret" >>"$env_file"
  fi
  echo "env: wrote a random JWT_SECRET to $env_file"
}

main "$@"
