# shellcheck shell=bash
#
# scripts/lib/servers.sh -- start and stop the local PostgreSQL and RabbitMQ
# servers that sagaflow's integration tests and demo need.
#
# This file is SOURCED, not executed:
#
#     source scripts/lib/servers.sh
#     sagaflow_start_servers          # exports SAGAFLOW_PG_URL, SAGAFLOW_AMQP_URL, ...
#     ...
#     sagaflow_stop_servers
#
# Both servers run as private instances whose data, logs, sockets and pid files
# live in one state folder (see sagaflow_state_dir), so nothing touches the
# system-wide services or /etc. All functions are idempotent: starting a server
# that is already running and stopping one that is not are both fine.
#
# Ports (override with the environment variables):
#   SAGAFLOW_PG_PORT    PostgreSQL            default 55432
#   SAGAFLOW_AMQP_PORT  RabbitMQ AMQP         default 55672
#   SAGAFLOW_DIST_PORT  RabbitMQ Erlang dist  default AMQP port + 1 (55673)
# RabbitMQ's Erlang schedulers: SAGAFLOW_RABBIT_SCHEDULERS (default 1, see
# _sagaflow_rabbit_env for why).
# Erlang's port mapper daemon (epmd) uses its usual port 4369, and rabbitmqctl
# uses 35672-35682 for its own short-lived Erlang node.
# These ports lie in Linux's ephemeral port range, so the start functions add
# them to net.ipv4.ip_local_reserved_ports (see _sagaflow_reserve_ports).
#
# Facts learned the hard way (see also shared/DESIGN.md):
#  - PostgreSQL refuses to run as root, so initdb/pg_ctl run as `postgres`,
#    which must be able to traverse every parent folder of the data folder.
#  - /usr/sbin/rabbitmq-server switches to the `rabbitmq` user, which cannot
#    write into a root-owned folder; we run /usr/lib/rabbitmq/bin/rabbitmq-server
#    directly, with every path pointing into the state folder.
#  - RabbitMQ's default distribution port is AMQP port + 20000, which is
#    75672 (> 65535) for our AMQP port, so it is set explicitly.
#  - Erlang starts epmd as a daemon that inherits the open file descriptors of
#    whoever started it; if that is a pipe ($(...) or `| tee`), the reader
#    never sees EOF. We start epmd ourselves with no inherited descriptors and
#    redirect the output of every Erlang command.
#
# The functions do not change the caller's shell options (set -e etc.); they
# return non-zero on failure.

# Repository root, computed from this file's location (scripts/lib/..).
SAGAFLOW_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"

SAGAFLOW_PG_BIN=/usr/lib/postgresql/15/bin
SAGAFLOW_RABBIT_BIN=/usr/lib/rabbitmq/bin
# The node name the issue asks for; override to run next to another local node.
SAGAFLOW_RABBIT_NODE="${SAGAFLOW_RABBIT_NODE:-rabbit@localhost}"

# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

_sagaflow_log() { echo "[servers] $*" >&2; }

_sagaflow_pg_port()   { echo "${SAGAFLOW_PG_PORT:-55432}"; }
_sagaflow_amqp_port() { echo "${SAGAFLOW_AMQP_PORT:-55672}"; }
_sagaflow_dist_port() { echo "${SAGAFLOW_DIST_PORT:-$(( $(_sagaflow_amqp_port) + 1 ))}"; }

# Prints the state folder and makes sure it exists (mode 755).
#
# Normally $REPO/.local (git-ignored). PostgreSQL's data folder lives below it
# and must be reachable by the `postgres` user; when it is not (e.g. CI cloned
# into a root-only folder like /root/...), or when the path is so long that
# PostgreSQL's Unix socket path would exceed the 107-byte limit, fall back to
# /tmp/sagaflow-<hash of $REPO>, which is stable for one checkout and distinct
# between checkouts.
sagaflow_state_dir() {
    local dir="$SAGAFLOW_REPO/.local"
    # "<dir>/pg/run/.s.PGSQL.NNNNN" must stay well below 107 bytes.
    if ! runuser -u postgres -- test -x "$SAGAFLOW_REPO" 2>/dev/null \
        || [ "${#dir}" -gt 80 ]; then
        local hash
        hash="$(printf '%s' "$SAGAFLOW_REPO" | sha256sum | cut -c1-12)"
        dir="/tmp/sagaflow-$hash"
    fi
    mkdir -p "$dir" && chmod 755 "$dir" || return 1
    echo "$dir"
}

# Runs a command as the postgres user from "/", so that a caller's working
# folder that postgres cannot enter does not produce warnings or errors.
_sagaflow_as_postgres() {
    (cd / && runuser -u postgres -- "$@")
}

# Fills the array SAGAFLOW_RABBIT_ENV with the environment (NAME=value) that
# both rabbitmq-server and rabbitmqctl need; HOME matters for both, it is
# where the Erlang cookie (.erlang.cookie) lives.
_sagaflow_rabbit_env() {
    local state rabbit
    state="$(sagaflow_state_dir)" || return 1
    rabbit="$state/rabbit"
    SAGAFLOW_RABBIT_DIR="$rabbit"
    SAGAFLOW_RABBIT_PID_FILE="$rabbit/rabbitmq.pid"
    SAGAFLOW_RABBIT_ENV=(
        "HOME=$rabbit"
        "RABBITMQ_NODENAME=$SAGAFLOW_RABBIT_NODE"
        "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1"
        "RABBITMQ_NODE_PORT=$(_sagaflow_amqp_port)"
        "RABBITMQ_DIST_PORT=$(_sagaflow_dist_port)"
        "RABBITMQ_MNESIA_BASE=$rabbit/mnesia"
        "RABBITMQ_LOG_BASE=$rabbit/log"
        "RABBITMQ_PID_FILE=$SAGAFLOW_RABBIT_PID_FILE"
        "RABBITMQ_ENABLED_PLUGINS_FILE=$rabbit/enabled_plugins"
        "RABBITMQ_CONFIG_FILE=$rabbit/rabbitmq.conf"
        "RABBITMQ_ADVANCED_CONFIG_FILE=$rabbit/advanced.config"
        "RABBITMQ_CONF_ENV_FILE=$rabbit/rabbitmq-env.conf"
        # Erlang distribution (used by rabbitmqctl) on loopback only. The broker
        # shares this machine's few cores with PostgreSQL, sagad and the workers:
        # one Erlang scheduler (+S), as two handing work to each other cost it
        # ~30 % more CPU per message at saga-bench's load (a quarter of a core),
        # and not bound to a core (+stbt u; RabbitMQ's default binds, which suits
        # a host of its own): bound, it and the busy PostgreSQL backends kept
        # getting in each other's way, 8-12 % fewer sagas/s (bench/README.md, round 4).
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1} +S ${SAGAFLOW_RABBIT_SCHEDULERS:-1}:${SAGAFLOW_RABBIT_SCHEDULERS:-1} +stbt u"
    )
}

# rabbitmqctl against our node, with our environment, killed after $1
# seconds. Standard input is closed so that no Erlang process can hold it.
_sagaflow_ctl() {
    local secs="$1"
    shift
    _sagaflow_rabbit_env || return 1
    timeout "$secs" env "${SAGAFLOW_RABBIT_ENV[@]}" \
        "$SAGAFLOW_RABBIT_BIN/rabbitmqctl" -n "$SAGAFLOW_RABBIT_NODE" "$@" </dev/null
}

# rabbitmqctl for other scripts and humans, e.g. `sagaflow_rabbitmqctl list_queues`.
sagaflow_rabbitmqctl() { _sagaflow_ctl 120 "$@"; }

# Makes sure epmd runs, started detached from our stdin/stdout/stderr (see the
# note at the top). A no-op when it already runs.
_sagaflow_ensure_epmd() {
    local epmd
    epmd="$(command -v epmd || echo /usr/lib/erlang/bin/epmd)"
    if ! "$epmd" -names >/dev/null 2>&1; then
        ERL_EPMD_ADDRESS=127.0.0.1 setsid "$epmd" -daemon </dev/null >/dev/null 2>&1 || true
    fi
}

# Keeps the kernel from handing our listening ports out as ephemeral (client)
# ports. All our defaults lie inside Linux's ephemeral range (32768-60999), so
# any outgoing connection -- even rabbitmqctl's own, or a test's connection to
# the other server -- can occupy, say, 55672 and make the server's bind fail
# with EADDRINUSE (seen here: a rabbitmqctl connection's TIME_WAIT socket on
# the AMQP port broke the next broker start). Best effort: needs root and a
# writable /proc/sys; the kernel merges the list, so repeating is harmless.
_sagaflow_reserve_ports() {
    local f=/proc/sys/net/ipv4/ip_local_reserved_ports current
    [ -w "$f" ] || return 0
    current="$(cat "$f" 2>/dev/null)" || return 0
    local IFS=,
    echo "${current:+$current,}$*" >"$f" 2>/dev/null || true
}

# Is process $1 alive? A zombie (exited, not yet reaped by PID 1) is not.
_sagaflow_alive() {
    local stat
    stat="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
    [ -n "$stat" ] && [ "${stat:0:1}" != Z ]
}

# Prints the pid from a pid file if that process is alive.
_sagaflow_live_pid() {
    local pid
    [ -s "$1" ] || return 1
    pid="$(tr -dc '0-9' <"$1")"
    [ -n "$pid" ] && _sagaflow_alive "$pid" && echo "$pid"
}

# --------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------

sagaflow_start_postgres() {
    local state pg port
    state="$(sagaflow_state_dir)" || return 1
    pg="$state/pg"
    port="$(_sagaflow_pg_port)"
    export SAGAFLOW_PG_URL="postgresql://postgres@127.0.0.1:$port/postgres"
    _sagaflow_reserve_ports "$port"

    # pg/ belongs to postgres: it holds data/ (must be 0700, postgres-owned),
    # run/ (Unix socket) and the server log file "log".
    mkdir -p "$pg" && chown postgres:postgres "$pg" && chmod 755 "$pg" || return 1
    _sagaflow_as_postgres mkdir -p "$pg/run" || return 1

    if [ ! -s "$pg/data/PG_VERSION" ]; then
        _sagaflow_log "initialising PostgreSQL data folder $pg/data"
        rm -rf "$pg/data"  # a half-done initdb from an interrupted run
        _sagaflow_as_postgres "$SAGAFLOW_PG_BIN/initdb" -D "$pg/data" \
            --auth=trust -U postgres --encoding=UTF8 --locale=C.UTF-8 \
            >"$pg/initdb.log" 2>&1 \
            || { _sagaflow_log "initdb failed:"; cat "$pg/initdb.log" >&2; return 1; }
    fi

    if _sagaflow_as_postgres "$SAGAFLOW_PG_BIN/pg_ctl" -D "$pg/data" status >/dev/null 2>&1; then
        _sagaflow_log "PostgreSQL already running ($SAGAFLOW_PG_URL)"
        return 0
    fi

    _sagaflow_log "starting PostgreSQL on 127.0.0.1:$port (log: $pg/log)"
    if ! _sagaflow_as_postgres "$SAGAFLOW_PG_BIN/pg_ctl" -D "$pg/data" -l "$pg/log" -w -t 60 \
        -o "-p $port -k $pg/run -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_preload_libraries=pg_stat_statements" \
        start </dev/null >/dev/null 2>&1; then
        _sagaflow_log "PostgreSQL failed to start; end of $pg/log:"
        tail -n 20 "$pg/log" >&2 2>/dev/null
        return 1
    fi
}

sagaflow_stop_postgres() {
    local state data
    state="$(sagaflow_state_dir)" || return 1
    data="$state/pg/data"
    [ -s "$data/PG_VERSION" ] || return 0
    if _sagaflow_as_postgres "$SAGAFLOW_PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        _sagaflow_log "stopping PostgreSQL"
        _sagaflow_as_postgres "$SAGAFLOW_PG_BIN/pg_ctl" -D "$data" -m fast -w -t 60 stop \
            >/dev/null 2>&1 || { _sagaflow_log "pg_ctl stop failed"; return 1; }
    fi
}

# A crash, for saga-bench --chaos: the server stops at once (`immediate`: every backend is
# killed, nothing is flushed or checkpointed, the next start replays the WAL), then starts
# again; returns once it accepts connections.
sagaflow_crash_restart_postgres() {
    local state
    state="$(sagaflow_state_dir)" || return 1
    _sagaflow_as_postgres "$SAGAFLOW_PG_BIN/pg_ctl" -D "$state/pg/data" -m immediate -w -t 60 stop \
        >/dev/null 2>&1 || { _sagaflow_log "pg_ctl stop -m immediate failed"; return 1; }
    sagaflow_start_postgres
}

# --------------------------------------------------------------------------
# RabbitMQ
# --------------------------------------------------------------------------

# Is our node up and answering? (A down node answers "no" in a second or two.)
_sagaflow_rabbit_running() {
    _sagaflow_ctl 30 status >/dev/null 2>&1
}

sagaflow_start_rabbitmq() {
    local port rabbit pid
    _sagaflow_rabbit_env || return 1
    rabbit="$SAGAFLOW_RABBIT_DIR"
    port="$(_sagaflow_amqp_port)"
    export SAGAFLOW_AMQP_URL="amqp://guest:guest@127.0.0.1:$port/"
    # AMQP, Erlang distribution and rabbitmqctl's own distribution ports.
    _sagaflow_reserve_ports "$port" "$(_sagaflow_dist_port)" 35672-35682

    # Folders and the two small files rabbitmq-server insists on. The
    # mnesia and log folders must exist before boot (otherwise:
    # failed_to_create_feature_flags_file_directory).
    mkdir -p "$rabbit/mnesia" "$rabbit/log" || return 1
    [ -f "$rabbit/enabled_plugins" ] || echo '[].' >"$rabbit/enabled_plugins"
    [ -f "$rabbit/rabbitmq-env.conf" ] || : >"$rabbit/rabbitmq-env.conf"
    if [ ! -f "$rabbit/rabbitmq.conf" ]; then
        cat >"$rabbit/rabbitmq.conf" <<'EOF'
# sagaflow's local test broker. Listener address and port come from
# RABBITMQ_NODE_IP_ADDRESS / RABBITMQ_NODE_PORT; guest/guest works on loopback.
log.file.level = info
EOF
    fi

    _sagaflow_ensure_epmd

    if _sagaflow_rabbit_running; then
        _sagaflow_log "RabbitMQ already running ($SAGAFLOW_AMQP_URL)"
        return 0
    fi

    if pid="$(_sagaflow_live_pid "$SAGAFLOW_RABBIT_PID_FILE")"; then
        # Started but not answering yet (a start in progress); just wait below.
        _sagaflow_log "RabbitMQ (pid $pid) is booting, waiting for it"
    else
        rm -f "$SAGAFLOW_RABBIT_PID_FILE"  # stale, would confuse `rabbitmqctl wait`
        _sagaflow_log "starting RabbitMQ on 127.0.0.1:$port (logs: $rabbit/log)"
        # setsid+nohup: own session, immune to the caller's hangup; all output
        # to a file so that no Erlang process keeps the caller's stdout open.
        setsid nohup env "${SAGAFLOW_RABBIT_ENV[@]}" "$SAGAFLOW_RABBIT_BIN/rabbitmq-server" \
            </dev/null >"$rabbit/log/server-stdout.log" 2>&1 &
    fi

    if ! _sagaflow_ctl 90 wait "$SAGAFLOW_RABBIT_PID_FILE" --timeout 60 \
        >"$rabbit/log/wait.log" 2>&1; then
        _sagaflow_log "RabbitMQ failed to start; see $rabbit/log. End of its output:"
        tail -n 20 "$rabbit/log/server-stdout.log" "$rabbit/log/wait.log" >&2 2>/dev/null
        if grep -qs eaddrinuse "$rabbit/log/$SAGAFLOW_RABBIT_NODE.log"; then
            _sagaflow_log "a port is in use (eaddrinuse): port $port or $(_sagaflow_dist_port);" \
                "check with: ss -tanp | grep -E ':($port|$(_sagaflow_dist_port)) '"
        fi
        return 1
    fi
}

sagaflow_stop_rabbitmq() {
    local pid
    _sagaflow_rabbit_env || return 1
    pid="$(_sagaflow_live_pid "$SAGAFLOW_RABBIT_PID_FILE")" || pid=""
    if [ -z "$pid" ] && ! _sagaflow_rabbit_running; then
        return 0  # not running
    fi
    _sagaflow_log "stopping RabbitMQ"
    # `stop <pidfile>` also waits for the OS process to exit.
    _sagaflow_ctl 60 stop "$SAGAFLOW_RABBIT_PID_FILE" >/dev/null 2>&1 || true
    if [ -n "$pid" ] && _sagaflow_alive "$pid"; then
        _sagaflow_log "RabbitMQ (pid $pid) still alive, killing it"
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 20); do
            _sagaflow_alive "$pid" || break
            sleep 0.5
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$SAGAFLOW_RABBIT_PID_FILE"
    # epmd: stop it too when no Erlang node is registered any more (it refuses
    # to die while any node is registered, so other Erlang users are safe).
    local epmd names
    epmd="$(command -v epmd || echo /usr/lib/erlang/bin/epmd)"
    names="$("$epmd" -names 2>/dev/null)" || names=""
    if ! grep -q '^name ' <<<"$names"; then
        "$epmd" -kill >/dev/null 2>&1 || true
    fi
}

# --------------------------------------------------------------------------
# Both
# --------------------------------------------------------------------------

# Starts both servers and exports:
#   SAGAFLOW_PG_URL   = SAGAFLOW_TEST_PG_URL   = postgresql://postgres@127.0.0.1:<port>/postgres
#   SAGAFLOW_AMQP_URL = SAGAFLOW_TEST_AMQP_URL = amqp://guest:guest@127.0.0.1:<port>/
sagaflow_start_servers() {
    sagaflow_start_postgres || return 1
    sagaflow_start_rabbitmq || return 1
    export SAGAFLOW_TEST_PG_URL="$SAGAFLOW_PG_URL"
    export SAGAFLOW_TEST_AMQP_URL="$SAGAFLOW_AMQP_URL"
}

# Stops both; tolerates either not running. Returns non-zero only if a
# running server could not be stopped.
sagaflow_stop_servers() {
    local rc=0
    sagaflow_stop_rabbitmq || rc=1
    sagaflow_stop_postgres || rc=1
    return "$rc"
}
