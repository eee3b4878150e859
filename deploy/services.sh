#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on this machine, for `make run` and
# `make test`. A service that is installed but stopped is started; a missing
# one is reported with what to install. Services elsewhere are used as they
# are: set PG_ADDR / REDIS_ADDR (host:port) to check those instead.
set -euo pipefail

pg_addr=${PG_ADDR:-127.0.0.1:5432}
redis_addr=${REDIS_ADDR:-127.0.0.1:6379}

answers() { # host:port
	local host=${1%:*} port=${1##*:}
	(exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
}

wait_for() { # name host:port
	for _ in $(seq 1 50); do
		answers "$2" && return 0
		sleep 0.2
	done
	echo "services: $1 was started but does not answer on $2" >&2
	return 1
}

local_addr() { case "${1%:*}" in 127.0.0.1 | localhost | ::1) return 0 ;; *) return 1 ;; esac; }

ensure_postgres() {
	answers "$pg_addr" && return 0
	if ! local_addr "$pg_addr"; then
		echo "services: PostgreSQL does not answer on $pg_addr" >&2
		return 1
	fi
	if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
		echo "services: starting PostgreSQL"
		pg_ctlcluster --skip-systemctl-redirect "$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)" main start
		wait_for PostgreSQL "$pg_addr"
	elif command -v pg_ctl >/dev/null && [ -n "${PGDATA:-}" ]; then
		echo "services: starting PostgreSQL from $PGDATA"
		pg_ctl -D "$PGDATA" -l "$PGDATA/logfile" start
		wait_for PostgreSQL "$pg_addr"
	else
		cat >&2 <<-MSG
		services: PostgreSQL (15 or newer) is not installed or not running on $pg_addr.
		  Debian/Ubuntu: sudo apt-get install postgresql && sudo pg_ctlcluster 15 main start
		  macOS:         brew install postgresql@15 && brew services start postgresql@15
		  Or point DATABASE_URL and TEST_DATABASE_URL at a server, and PG_ADDR at its host:port.
		MSG
		return 1
	fi
}

ensure_redis() {
	answers "$redis_addr" && return 0
	if ! local_addr "$redis_addr"; then
		echo "services: Redis does not answer on $redis_addr" >&2
		return 1
	fi
	if command -v redis-server >/dev/null; then
		echo "services: starting Redis"
		redis-server --daemonize yes --bind 127.0.0.1 --port "${redis_addr##*:}" --save "" --appendonly no
		wait_for Redis "$redis_addr"
	else
		cat >&2 <<-MSG
		services: Redis (6.2 or newer) is not installed or not running on $redis_addr.
		  Debian/Ubuntu: sudo apt-get install redis-server
		  macOS:         brew install redis && brew services start redis
		  Or point REDIS_URL and TEST_REDIS_URL at a server, and REDIS_ADDR at its host:port.
		MSG
		return 1
	fi
}

ensure_postgres
ensure_redis
echo "services: PostgreSQL on $pg_addr and Redis on $redis_addr are up"
