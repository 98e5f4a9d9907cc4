#!/usr/bin/env bash
# Benchmark tracelet against bpftrace (when installed).
#
#   bench/run.sh            # run as root from the repository root or anywhere
#
# Measures:
#   (a) startup wall time of  BEGIN { printf("hi\n"); exit(); }   (median of RUNS runs)
#   (b) peak RSS of that program, and of a 3 s run of
#         tracepoint:raw_syscalls:sys_enter { @[comm] = count(); } interval:s:3 { exit(); }
#   (c) added ns per traced event for the raw_syscalls one-liner, using a C
#       workload doing N getppid() syscalls (traced runtime - untraced) / N.
#
# Optional tools: hyperfine (startup timing), /usr/bin/time (peak RSS, package
# `time`), gcc (workload; falls back to python3), bpftrace (comparison).
# Environment: RUNS (default 10), N (default 2000000 syscalls), REPS (default 3).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${RUNS:-10}"
N="${N:-2000000}"
REPS="${REPS:-3}"
WORK="$(mktemp -d /tmp/tracelet-bench.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

HELLO='BEGIN { printf("hi\n"); exit(); }'
COUNT3='tracepoint:raw_syscalls:sys_enter { @[comm] = count(); } interval:s:3 { exit(); }'
COUNT='tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }'

if [[ $(id -u) -ne 0 ]]; then
    echo "bench/run.sh: must run as root (BPF needs CAP_BPF/CAP_PERFMON)" >&2
    exit 1
fi

echo "== building release" >&2
(cd "$ROOT" && cargo build --release --quiet)
TRACELET="$ROOT/target/release/tracelet"

TOOLS=(tracelet)
BPFTRACE=""
if command -v bpftrace >/dev/null 2>&1; then
    BPFTRACE="$(command -v bpftrace)"
    TOOLS+=(bpftrace)
    # bpftrace needs a higher RLIMIT_MEMLOCK on some kernels; harmless otherwise.
    ulimit -l unlimited 2>/dev/null || true
else
    echo "note: bpftrace not installed; measuring tracelet only (apt-get install -y bpftrace)" >&2
fi

bin_of() { if [[ $1 == tracelet ]]; then echo "$TRACELET"; else echo "$BPFTRACE"; fi; }

# ---------------------------------------------------------------- (a) startup
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

declare -A START RSS_HELLO RSS_COUNT NS_EVENT
for t in "${TOOLS[@]}"; do
    bin="$(bin_of "$t")"
    echo "== (a) startup: $t" >&2
    if command -v hyperfine >/dev/null 2>&1; then
        hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$WORK/$t.json" \
            "$bin -q -e '$HELLO'" >&2
        START[$t]="$(python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$WORK/$t.json")"
    else
        for _ in $(seq "$RUNS"); do
            s=$(date +%s%N); "$bin" -q -e "$HELLO" >/dev/null 2>&1; e=$(date +%s%N)
            echo $(( (e - s) / 1000 ))
        done | median | awk '{printf "%.2f\n", $1/1000}' > "$WORK/$t.ms"
        START[$t]="$(cat "$WORK/$t.ms")"
    fi
done

# ---------------------------------------------------------------- (b) peak RSS
TIMEV=""
if [[ -x /usr/bin/time ]]; then TIMEV=/usr/bin/time; fi
peak_rss_kb() { # bin program -> KiB
    "$TIMEV" -v "$1" -q -e "$2" >/dev/null 2>"$WORK/time.err" || true
    awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' "$WORK/time.err"
}
for t in "${TOOLS[@]}"; do
    if [[ -z $TIMEV ]]; then RSS_HELLO[$t]=n/a; RSS_COUNT[$t]=n/a; continue; fi
    bin="$(bin_of "$t")"
    echo "== (b) peak RSS: $t" >&2
    RSS_HELLO[$t]="$(peak_rss_kb "$bin" "$HELLO")"
    RSS_COUNT[$t]="$(peak_rss_kb "$bin" "$COUNT3")"
done

# ---------------------------------------------------------------- (c) per-event overhead
cat > "$WORK/getppid.c" <<'EOF'
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++) syscall(SYS_getppid);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%lld\n", (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec));
    return 0;
}
EOF
if command -v gcc >/dev/null 2>&1; then
    gcc -O2 -o "$WORK/getppid" "$WORK/getppid.c"
    WORKLOAD=("$WORK/getppid")
else
    echo "note: gcc missing; using a python3 workload (noisier)" >&2
    cat > "$WORK/getppid.py" <<'EOF'
import os, sys, time
n = int(sys.argv[1]); t = time.monotonic_ns()
for _ in range(n): os.getppid()
print(time.monotonic_ns() - t)
EOF
    WORKLOAD=(python3 "$WORK/getppid.py")
fi

run_workload() { # median ns of REPS runs
    for _ in $(seq "$REPS"); do "${WORKLOAD[@]}" "$N"; done | median
}

# Start a tracer in the background and wait until its probes are attached.
start_tracer() { # bin
    __BPFTRACE_NOTIFY_PROBES_ATTACHED=1 "$1" -e "$COUNT" >"$WORK/tr.out" 2>"$WORK/tr.err" &
    TRACER_PID=$!
    for _ in $(seq 200); do
        if grep -q __BPFTRACE_NOTIFY_PROBES_ATTACHED "$WORK/tr.out" "$WORK/tr.err" 2>/dev/null; then
            sleep 0.2; return 0
        fi
        if ! kill -0 "$TRACER_PID" 2>/dev/null; then
            echo "tracer $1 exited early:" >&2; cat "$WORK/tr.err" >&2; return 1
        fi
        sleep 0.05
    done
    sleep 1 # no notification support: assume attached by now
}
stop_tracer() {
    kill -INT "$TRACER_PID" 2>/dev/null || true
    wait "$TRACER_PID" 2>/dev/null || true
}

echo "== (c) untraced workload" >&2
BASE="$(run_workload)"
for t in "${TOOLS[@]}"; do
    echo "== (c) workload under $t" >&2
    start_tracer "$(bin_of "$t")"
    TRACED="$(run_workload)"
    stop_tracer
    NS_EVENT[$t]="$(awk -v a="$TRACED" -v b="$BASE" -v n="$N" 'BEGIN {printf "%.1f", (a-b)/n}')"
done

# ---------------------------------------------------------------- report
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b+0 == 0 || a == "n/a" || b == "n/a") print "-"; else printf "%.3f", a/b }'; }
bt() { if [[ -n $BPFTRACE ]]; then eval "echo \${$1[bpftrace]}"; else echo "-"; fi; }

echo
echo "machine: $(uname -srm), $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
echo "date:    $(date -u +%Y-%m-%dT%H:%MZ)"
echo "tracelet $("$TRACELET" -V 2>/dev/null | head -1)${BPFTRACE:+; $("$BPFTRACE" --version 2>/dev/null | head -1)}"
echo "workload: $N getppid() syscalls, untraced median $(awk -v b="$BASE" -v n="$N" 'BEGIN {printf "%.1f", b/n}') ns/syscall"
echo
printf '%-34s %12s %12s %10s %10s\n' metric tracelet bpftrace ratio target
printf '%-34s %12s %12s %10s %10s\n' "startup wall, BEGIN/exit (ms)" "${START[tracelet]}" "$(bt START)" \
    "$(ratio "${START[tracelet]}" "$(bt START)")" "<= 0.125"
printf '%-34s %12s %12s %10s %10s\n' "peak RSS, BEGIN/exit (KiB)" "${RSS_HELLO[tracelet]}" "$(bt RSS_HELLO)" \
    "$(ratio "${RSS_HELLO[tracelet]}" "$(bt RSS_HELLO)")" "<= 0.333"
printf '%-34s %12s %12s %10s %10s\n' "peak RSS, 3 s count by comm (KiB)" "${RSS_COUNT[tracelet]}" "$(bt RSS_COUNT)" \
    "$(ratio "${RSS_COUNT[tracelet]}" "$(bt RSS_COUNT)")" "<= 0.333"
printf '%-34s %12s %12s %10s %10s\n' "added ns/event, count by comm" "${NS_EVENT[tracelet]}" "$(bt NS_EVENT)" \
    "$(ratio "${NS_EVENT[tracelet]}" "$(bt NS_EVENT)")" "<= 1"
