#!/usr/bin/env bash
# vs_reference.sh: glia against the reference program on the same run, in the same rounds.
#
# usage: REFERENCE_JS=/path/to/mcfeedback/phase1b/src tests/bench/vs_reference.sh [build-dir] [rounds]
#
# The run is the paper's Table 5: exp 024 (maturity), seed 314, 20,000 episodes, 200,000
# steps, network build and final inference included. Each round runs, one after the
# other, the reference program (node), glia's parity mode (`gliad run --preset maturity`)
# and its fast mode (the same with "rng": "xoshiro256ss"), and takes the CPU time (user +
# system) of each process. The machine's speed drifts over minutes, so each round's
# ratios come from runs seconds apart, and the report gives every round and the median.
#
# REFERENCE_JS is the directory of the reference's phase 1b modules (rng.mjs, network.mjs,
# train.mjs, inference.mjs; or its main.mjs, whose directory is taken). Its code is not
# part of glia: get it with
#   git clone https://github.com/SemanticTools/mcfeedback && REFERENCE_JS=mcfeedback/phase1b/src
# Without REFERENCE_JS the script says so and exits 0 (nothing measured).
set -euo pipefail

build=${1:-build-release}
rounds=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
case $build in /*) ;; *) build=$root/$build ;; esac
gliad=$build/gliad

ref=${REFERENCE_JS:-}
if [ -z "$ref" ]; then
    echo "vs_reference: REFERENCE_JS is not set; skipped (see tests/bench/README.md)"
    exit 0
fi
[ -f "$ref" ] && ref=$(dirname "$ref")
ref=$(cd "$ref" && pwd)
for f in rng.mjs network.mjs train.mjs inference.mjs; do
    if [ ! -f "$ref/$f" ]; then
        echo "vs_reference: $ref/$f is missing (REFERENCE_JS must name the phase 1b modules)" >&2
        exit 2
    fi
done
command -v node >/dev/null || { echo "vs_reference: node is not installed" >&2; exit 2; }
if [ ! -x "$gliad" ]; then
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DGLIA_TESTS=ON >/dev/null
    cmake --build "$build" -j2 --target gliad >/dev/null
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The reference's own modules, driven as its main.mjs drives the maturity condition.
cat >"$tmp/drive.mjs" <<'EOF'
const dir = process.argv[2];
const { seedRandom } = await import(dir + '/rng.mjs');
const { createNetwork } = await import(dir + '/network.mjs');
const { train } = await import(dir + '/train.mjs');
const { runInference } = await import(dir + '/inference.mjs');
const log = console.log;
console.log = () => {};
seedRandom(314);
const net = createNetwork();
const r = train(net, 'maturity');
const inf = runInference(net);
log(JSON.stringify({ accepted: r.totalAccepted, rejected: r.totalRejected,
                     distinct: inf.distinctOutputs }));
EOF
echo '{"rng": "xoshiro256ss"}' >"$tmp/fast.json"

# cpu NAME CMD...: run CMD, its stdout to $tmp/NAME.out; prints the process's CPU seconds.
cpu() {
    local name=$1 TIMEFORMAT='%3U %3S'
    shift
    { time "$@" >"$tmp/$name.out" 2>/dev/null; } 2>"$tmp/$name.time"
    awk '{ printf "%.3f", $1 + $2 }' "$tmp/$name.time"
}

counts() { # accepted/rejected of a run's output
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print("%d/%d" % (d["accepted"], d["rejected"]))' "$1"
}

steps=200000
echo "vs_reference: Table 5 run (maturity, seed 314, 20000 episodes = $steps steps), $rounds rounds"
echo "vs_reference: node $(node --version), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %12s %12s %12s %10s %10s\n' round "reference s" "parity s" "fast s" parity× fast×
ratios_p=()
ratios_f=()
for r in $(seq 1 "$rounds"); do
    tr=$(cpu ref node "$tmp/drive.mjs" "$ref")
    tp=$(cpu parity "$gliad" run --preset maturity --seed 314 --episodes 20000)
    tf=$(cpu fast "$gliad" run --preset maturity --seed 314 --episodes 20000 --config "$tmp/fast.json")
    if [ "$(counts "$tmp/ref.out")" != "$(counts "$tmp/parity.out")" ]; then
        echo "vs_reference: round $r: parity mode kept/reverted $(counts "$tmp/parity.out"), the reference $(counts "$tmp/ref.out"): not the same run" >&2
        exit 1
    fi
    rp=$(awk -v a="$tr" -v b="$tp" 'BEGIN { printf "%.1f", a / b }')
    rf=$(awk -v a="$tr" -v b="$tf" 'BEGIN { printf "%.1f", a / b }')
    ratios_p+=("$rp")
    ratios_f+=("$rf")
    printf '%-6s %12s %12s %12s %10s %10s\n' "$r" "$tr" "$tp" "$tf" "$rp" "$rf"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
echo "vs_reference: kept/reverted: reference $(counts "$tmp/ref.out"), parity $(counts "$tmp/parity.out"), fast $(counts "$tmp/fast.out")"
echo "vs_reference: median ratio of CPU time, reference / glia: parity ×$(median "${ratios_p[@]}"), fast ×$(median "${ratios_f[@]}")"
echo "vs_reference: last round in steps per CPU second: reference $(awk -v t="$tr" -v n=$steps 'BEGIN { printf "%.0f", n / t }'), parity $(awk -v t="$tp" -v n=$steps 'BEGIN { printf "%.0f", n / t }'), fast $(awk -v t="$tf" -v n=$steps 'BEGIN { printf "%.0f", n / t }')"
