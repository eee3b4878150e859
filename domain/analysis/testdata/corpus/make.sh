#!/usr/bin/env bash
# make.sh writes the engine's own accuracy corpus: real logs of real servers
# running on this machine, driven by client traffic so they log starts and
# stops, crashes and recoveries, errors, bad logins, slow queries and
# reconnects.
#
#   bash domain/analysis/testdata/corpus/make.sh [OUTDIR]
#
# Servers whose restarts we need (PostgreSQL, MariaDB, Redis, NATS,
# Mosquitto) run as throwaway instances on their own ports with their data
# under a temporary directory; the shared services on their usual ports
# (PostgreSQL 5432, Redis 6379 above all) are never touched. RabbitMQ only
# gets client traffic: its log is read, the service is never restarted. dpkg
# logs come from installing and removing small packages.
#
# Every loop is bounded; the script stops every process it started. The
# labels (each log's templates and structured CSV) are written by hand and
# checked by corpus_test.go; this script makes the logs only.
set -euo pipefail

out=${1:-$(cd "$(dirname "$0")" && pwd)}
work=$(mktemp -d /tmp/logcorpus.XXXXXX)
chmod 755 "$work"
pids=()

cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	if [[ -f $work/pg/data/postmaster.pid ]]; then
		runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

say() { printf '== %s\n' "$*" >&2; }

# keep copies a log into the corpus, at most max lines from its start.
keep() {
	local name=$1 src=$2 max=${3:-100000}
	mkdir -p "$out/$name"
	head -n "$max" "$src" >"$out/$name/$name.log"
	say "$name: $(wc -l <"$out/$name/$name.log") lines"
}

# ---------------------------------------------------------------- PostgreSQL
pgbin=/usr/lib/postgresql/15/bin
pgport=5499

pg_start() {
	runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/postgresql.log" -w -t 60 start >/dev/null
}

pg_stop() { # mode: smart, fast or immediate
	runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg/data" -m "$1" -w -t 60 stop >/dev/null
}

psql_as() { # user password database sql...
	local user=$1 pass=$2 db=$3
	shift 3
	PGPASSWORD=$pass PGCONNECT_TIMEOUT=5 psql -X -q -h 127.0.0.1 -p "$pgport" -U "$user" -d "$db" "$@" >/dev/null 2>&1 || true
}

pg_round() {
	local r=$1 i
	psql_as app secret shop -c "CREATE TABLE IF NOT EXISTS orders (id int PRIMARY KEY, customer text, total numeric)"
	for i in $(seq 1 12); do
		psql_as app secret shop -c "INSERT INTO orders VALUES ($((r * 100 + i)), 'c$i', $i.50)"
	done
	for i in $(seq 1 4); do
		psql_as app secret shop -c "INSERT INTO orders VALUES ($((r * 100 + i)), 'dup', 1)"
		psql_as app secret shop -c "SELECT * FROM order_items_$((RANDOM % 7))"
		psql_as app secret shop -c "SELECT id / 0 FROM orders LIMIT 1"
		psql_as app secret shop -c "SELEC * FROM orders"
		psql_as app secret shop -c "SELECT missing_col FROM orders"
		psql_as app secret shop -c "SELECT 'x$RANDOM'::int"
		psql_as app secret shop -c "SELECT pg_sleep(0.$((RANDOM % 5 + 2))), count(*) FROM orders"
		psql_as app wrong$RANDOM shop -c "SELECT 1"
		psql_as "ghost$((RANDOM % 9))" secret shop -c "SELECT 1"
		psql_as app secret "nodb$((RANDOM % 5))" -c "SELECT 1"
	done
	# a lock wait: one session holds a row while another wants it
	psql_as app secret shop -c "BEGIN; UPDATE orders SET total = total + 1 WHERE id = $((r * 100 + 1)); SELECT pg_sleep(0.6); COMMIT" &
	sleep 0.2
	psql_as app secret shop -c "UPDATE orders SET total = total + 2 WHERE id = $((r * 100 + 1))"
	wait
	psql_as postgres postgres shop -c "CHECKPOINT"
	psql_as app secret shop -c "DELETE FROM orders WHERE id % 3 = 0" -c "VACUUM orders"
}

make_postgres() {
	say "PostgreSQL on $pgport"
	mkdir -p "$work/pg"
	chown postgres "$work/pg"
	runuser -u postgres -- "$pgbin/initdb" -D "$work/pg/data" -U postgres -A trust >/dev/null
	cat >>"$work/pg/data/postgresql.conf" <<EOF
port = $pgport
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work/pg'
log_line_prefix = '%m [%p] %q%u@%d '
log_connections = on
log_disconnections = on
log_checkpoints = on
log_min_duration_statement = 150
log_lock_waits = on
deadlock_timeout = 200ms
log_autovacuum_min_duration = 0
log_error_verbosity = terse
log_min_error_statement = panic
log_timezone = 'UTC'
EOF
	printf 'local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n' >"$work/pg/data/pg_hba.conf"
	pg_start
	psql_as postgres postgres postgres -c "CREATE ROLE app LOGIN PASSWORD 'secret'" -c "CREATE DATABASE shop OWNER app"
	local r
	for r in 1 2 3 4 5 6; do
		pg_round "$r"
		case $r in
		2) pg_stop immediate ;; # a crash: the next start recovers
		4) pg_stop smart ;;
		*) pg_stop fast ;;
		esac
		pg_start
	done
	pg_stop fast
	keep postgresql "$work/pg/postgresql.log"
}

# ------------------------------------------------------------------- MariaDB
myport=3399

my_start() {
	mariadbd --no-defaults --user=mysql --datadir="$work/my/data" --socket="$work/my/sock" \
		--port="$myport" --bind-address=127.0.0.1 --pid-file="$work/my/pid" \
		--log-error="$work/my/error.log" --log-warnings=4 --innodb-buffer-pool-size=32M \
		--skip-name-resolve &
	mypid=$!
	local i
	for i in $(seq 1 60); do
		mysqladmin --no-defaults -S "$work/my/sock" -uroot ping >/dev/null 2>&1 && return
		sleep 0.5
	done
}

my_sql() { # user password sql
	mariadb --no-defaults -h 127.0.0.1 -P "$myport" -u"$1" -p"$2" -e "$3" shop >/dev/null 2>&1 || true
}

make_mariadb() {
	say "MariaDB on $myport"
	mkdir -p "$work/my"
	chown mysql "$work/my"
	mariadb-install-db --no-defaults --user=mysql --datadir="$work/my/data" \
		--auth-root-authentication-method=socket >/dev/null 2>&1
	my_start
	mariadb --no-defaults -S "$work/my/sock" -uroot -e \
		"CREATE DATABASE shop; CREATE USER 'app'@'%' IDENTIFIED BY 'secret'; GRANT ALL ON shop.* TO 'app'@'%';"
	local r i
	for r in 1 2 3 4 5 6 7 8; do
		for i in $(seq 1 25); do
			my_sql app "wrong$RANDOM" "SELECT 1"
			my_sql "ghost$((RANDOM % 9))" secret "SELECT 1"
			my_sql app secret "SELECT SLEEP(0.01)"
			# a client that connects and goes away without a word
			timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$myport; sleep 0.1" 2>/dev/null || true
		done
		mariadb --no-defaults -S "$work/my/sock" -uroot -e "KILL CONNECTION_ID()" >/dev/null 2>&1 || true
		case $r in
		3 | 6) kill -9 "$mypid" ;; # a crash: InnoDB recovers on the next start
		*) mysqladmin --no-defaults -S "$work/my/sock" -uroot shutdown ;;
		esac
		wait "$mypid" 2>/dev/null || true
		my_start
	done
	mysqladmin --no-defaults -S "$work/my/sock" -uroot shutdown
	wait "$mypid" 2>/dev/null || true
	keep mariadb "$work/my/error.log"
}

# --------------------------------------------------------------------- Redis
rport=6399

r_start() {
	redis-server --port "$rport" --bind 127.0.0.1 --dir "$work/redis" --logfile "$work/redis/redis.log" \
		--loglevel verbose --save "5 20" --appendonly no --daemonize no --maxclients 64 &
	rpid=$!
	local i
	for i in $(seq 1 50); do
		redis-cli -p "$rport" ping >/dev/null 2>&1 && return
		sleep 0.2
	done
}

make_redis() {
	say "Redis on $rport"
	mkdir -p "$work/redis"
	r_start
	local r i
	for r in 1 2 3 4 5; do
		for i in $(seq 1 40); do
			redis-cli -p "$rport" set "session:$RANDOM" "v$i" >/dev/null
			redis-cli -p "$rport" incr "hits:$((i % 7))" >/dev/null
			if ((i % 10 == 0)); then
				redis-cli -p "$rport" bgsave >/dev/null || true
				redis-cli -p "$rport" client kill type normal >/dev/null || true
			fi
		done
		sleep 6 # the server's cron logs key counts and saves
		redis-cli -p "$rport" config set maxmemory "$((r * 10))mb" >/dev/null
		redis-cli -p "$rport" debug sleep 0 >/dev/null || true
		case $r in
		2 | 4) kill -9 "$rpid" ;;
		*) redis-cli -p "$rport" shutdown >/dev/null 2>&1 || true ;;
		esac
		wait "$rpid" 2>/dev/null || true
		r_start
	done
	redis-cli -p "$rport" shutdown nosave >/dev/null 2>&1 || true
	wait "$rpid" 2>/dev/null || true
	keep redis "$work/redis/redis.log"
}

# ---------------------------------------------------------------------- NATS
nport=4299

n_start() {
	nats-server -c "$work/nats/nats.conf" -DV &
	npid=$!
	sleep 0.5
}

# nats_client speaks the text protocol: connect, then the given commands.
nats_client() { # user pass commands
	# shellcheck disable=SC2016 # the inner script expands its own arguments
	timeout 2 bash -c '
		exec 3<>/dev/tcp/127.0.0.1/'"$nport"' || exit 0
		read -r -t 1 _ <&3
		printf "CONNECT {\"verbose\":false,\"user\":\"%s\",\"pass\":\"%s\",\"name\":\"%s\"}\r\n%b" "$1" "$2" "$3" "$4" >&3
		sleep 0.05
		timeout 0.3 cat <&3 >/dev/null
	' _ "$@" 2>/dev/null || true
}

make_nats() {
	say "NATS on $nport"
	mkdir -p "$work/nats"
	cat >"$work/nats/nats.conf" <<EOF
host: 127.0.0.1
port: $nport
server_name: corpus
log_file: "$work/nats/nats.log"
max_payload: 4096
authorization { user: app, password: secret }
EOF
	n_start
	local r i
	for r in 1 2 3 4 5; do
		for i in $(seq 1 30); do
			nats_client app secret "worker-$i" 'SUB orders.* 1\r\nPUB orders.new 5\r\nhello\r\nPING\r\n'
			if ((i % 3 == 0)); then nats_client app "bad$RANDOM" "client-$i" 'PING\r\n'; fi
			if ((i % 7 == 0)); then nats_client app secret "big-$i" "PUB orders.big 9000\\r\\n$(head -c 9000 /dev/zero | tr '\0' x)\\r\\n"; fi
			if ((i % 11 == 0)); then nats_client app secret "bad-proto-$i" 'FOO bar\r\n'; fi
		done
		if ((r % 2 == 0)); then kill -HUP "$npid"; sleep 0.3; fi
		kill "$npid"
		wait "$npid" 2>/dev/null || true
		n_start
	done
	kill "$npid"
	wait "$npid" 2>/dev/null || true
	keep nats "$work/nats/nats.log"
}

# ----------------------------------------------------------------- Mosquitto
mport=1899

q_start() {
	mosquitto -c "$work/mqtt/mosquitto.conf" &
	qpid=$!
	sleep 0.5
}

make_mosquitto() {
	say "Mosquitto on $mport"
	mkdir -p "$work/mqtt"
	chown mosquitto "$work/mqtt"
	touch "$work/mqtt/passwd"
	mosquitto_passwd -b "$work/mqtt/passwd" alice secret
	mosquitto_passwd -b "$work/mqtt/passwd" bob hunter2
	chown mosquitto "$work/mqtt/passwd"
	cat >"$work/mqtt/mosquitto.conf" <<EOF
listener $mport 127.0.0.1
allow_anonymous false
password_file $work/mqtt/passwd
log_dest file $work/mqtt/mosquitto.log
log_type all
connection_messages true
persistence false
EOF
	q_start
	local r i
	for r in 1 2 3 4; do
		for i in $(seq 1 25); do
			mosquitto_pub -p "$mport" -u alice -P secret -t "sensors/room$((i % 5))/temp" -m "$((RANDOM % 30))" -q $((i % 3)) || true
			if ((i % 2 == 0)); then
				timeout 2 mosquitto_sub -p "$mport" -u bob -P hunter2 -t "sensors/#" -C 1 -W 1 >/dev/null 2>&1 || true
			fi
			if ((i % 3 == 0)); then
				mosquitto_pub -p "$mport" -u alice -P "wrong$RANDOM" -t x -m y >/dev/null 2>&1 || true
			fi
			if ((i % 5 == 0)); then
				mosquitto_pub -p "$mport" -u "mallory$((RANDOM % 4))" -P x -t x -m y >/dev/null 2>&1 || true
				mosquitto_pub -p "$mport" -i "dev-$i" -u bob -P hunter2 -t "cmd/dev-$i" -m on -r || true
			fi
		done
		kill -HUP "$qpid"
		sleep 0.3
		kill "$qpid"
		wait "$qpid" 2>/dev/null || true
		q_start
	done
	kill "$qpid"
	wait "$qpid" 2>/dev/null || true
	keep mosquitto "$work/mqtt/mosquitto.log"
}

# ------------------------------------------------------------------ RabbitMQ
# The shared broker gets AMQP clients only: logins good and bad, unknown
# virtual hosts, clients that vanish mid-handshake or speak another
# protocol, and a few admin calls. One client process plays them in turn.
amqp_clients() { # count
	python3 - "$1" <<'EOF'
import random, socket, struct, sys

def sstr(b): return struct.pack(">B", len(b)) + b
def lstr(b): return struct.pack(">I", len(b)) + b

def session(user, pw, vhost, mode):
    s = socket.create_connection(("127.0.0.1", 5672), timeout=5)
    try:
        if mode == "garbage":
            s.sendall(b"GET / HTTP/1.1\r\n\r\n"); s.recv(64); return
        s.sendall(b"AMQP\x00\x00\x09\x01")
        def frame():
            t, ch, n = struct.unpack(">BHI", s.recv(7, socket.MSG_WAITALL))
            return s.recv(n + 1, socket.MSG_WAITALL)[:-1]
        def send(cls, meth, args):
            p = struct.pack(">HH", cls, meth) + args
            s.sendall(struct.pack(">BHI", 1, 0, len(p)) + p + b"\xce")
        frame()  # connection.start
        if mode == "drop":
            return
        props = b"\x0fconnection_nameS" + lstr(("corpus-" + user).encode())
        send(10, 11, lstr(props) + sstr(b"PLAIN") + lstr(b"\0" + user.encode() + b"\0" + pw.encode()) + sstr(b"en_US"))
        body = frame()  # tune, or close when refused
        if body[:4] != struct.pack(">HH", 10, 30):
            return
        channel_max, frame_max, heartbeat = struct.unpack(">HIH", body[4:12])
        send(10, 31, struct.pack(">HIH", channel_max, frame_max, 0))
        send(10, 40, sstr(vhost.encode()) + sstr(b"") + b"\0")
        frame()  # open-ok, or close
        send(10, 50, struct.pack(">H", 200) + sstr(b"bye") + struct.pack(">HH", 0, 0))
        frame()
    except (OSError, struct.error):
        pass
    finally:
        s.close()

rng = random.Random(7)
for i in range(1, int(sys.argv[1]) + 1):
    session("guest", "guest", "/", "ok")
    if i % 10 == 0: session("guest", "bad%d" % rng.randrange(99999), "/", "ok")
    if i % 12 == 0: session("nobody%d" % rng.randrange(5), "x", "/", "ok")
    if i % 9 == 0: session("guest", "guest", "/missing%d" % rng.randrange(3), "ok")
    if i % 13 == 0: session("guest", "guest", "/", "drop")
    if i % 17 == 0: session("guest", "guest", "/", "garbage")
EOF
}

make_rabbitmq() {
	say "RabbitMQ (client traffic only)"
	local logf=/var/log/rabbitmq/rabbit@localhost.log
	[[ -r $logf ]] || { say "no RabbitMQ log at $logf"; return; }
	local start i
	start=$(($(wc -l <"$logf") + 1))
	amqp_clients 300
	for i in 1 2; do
		rabbitmqctl -q add_vhost "corpus-$i" >/dev/null || true
		rabbitmqctl -q add_user "corpus-user-$i" "pw$i" >/dev/null || true
		rabbitmqctl -q delete_user "corpus-user-$i" >/dev/null || true
		rabbitmqctl -q delete_vhost "corpus-$i" >/dev/null || true
	done
	sleep 1
	tail -n +"$start" "$logf" >"$work/rabbit.log"
	keep rabbitmq "$work/rabbit.log"
}

# ---------------------------------------------------------------------- dpkg
make_dpkg() {
	say "dpkg and apt"
	local pkgs=(sl cowsay figlet)
	apt-get -qq update >/dev/null 2>&1 || true
	local r
	for r in 1 2; do
		DEBIAN_FRONTEND=noninteractive apt-get -qq install -y "${pkgs[@]}" >/dev/null 2>&1 || true
		DEBIAN_FRONTEND=noninteractive apt-get -qq remove -y "${pkgs[@]}" >/dev/null 2>&1 || true
		DEBIAN_FRONTEND=noninteractive apt-get -qq purge -y "${pkgs[@]}" >/dev/null 2>&1 || true
	done
	keep dpkg /var/log/dpkg.log
}

only=${ONLY:-postgresql mariadb redis nats mosquitto rabbitmq dpkg}
for s in $only; do
	case $s in
	postgresql) make_postgres ;;
	mariadb) make_mariadb ;;
	redis) make_redis ;;
	nats) make_nats ;;
	mosquitto) make_mosquitto ;;
	rabbitmq) make_rabbitmq ;;
	dpkg) make_dpkg ;;
	esac
done
