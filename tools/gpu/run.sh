#!/usr/bin/env bash
# The GPU run of issue 16, in one command, from the repository root with $OUT set (the device
# tool's output folder) and tools/gpu/dist carried (tools/gpu/pack.sh makes it):
#
#   OUT=/some/dir bash tools/gpu/run.sh
#
# Stages, each under its own `timeout`, so that one hang costs only its own stage:
#   setup        unpack Node, Dawn and the Vulkan loader; choose the Vulkan driver (ICD)
#   adapter      adapter.json: the adapter's name, limits, features (every request kind)
#   conformance  conformance.jsonl: the WebGPU test files on that adapter, one line a test
#   bench        bench.jsonl: W1-W4, MM and DB on webgpu next to PyTorch CUDA (cuDNN) and CPU
#   train        (optional, last, only with time left) Multi30k attention model on webgpu
# Everything else goes to run.log; stages.jsonl has one line per stage (status, seconds).
# At most 8 files come back from $OUT: run.log, stages.jsonl, adapter.json,
# conformance.jsonl, bench.jsonl, train.log, and the trained model in at most 2 parts.
#
# Environment (all optional):
#   GPU_RUN_BUDGET_S       the whole run's budget in seconds (default 420); the bench stage and
#                          the training fit inside what is left
#   GPU_RUN_ICD            an ICD JSON to use instead of searching for NVIDIA's (the rehearsal:
#                          /usr/lib/chromium/vk_swiftshader_icd.json); also accepts the
#                          software adapter in the bench
#   GPU_RUN_QUICK=1        --quick bench runners and the rehearsal's plan (small workloads)
#   GPU_RUN_CONFORMANCE_S  the conformance stage's limit (default 180)
#   GPU_RUN_BENCH_S        the bench stage's limit (default: 240, or less when less is left)
#   GPU_RUN_TRAIN=0        no training stage
#   GPU_RUN_TRAIN_MIN_S    start training only with at least this much left (default 90)
#   GPU_RUN_WORK           where Node, Dawn, the bundles, the data and the training run are
#                          unpacked (default /tmp/cellstate-gpu; tools/gpu/dist is left as packed)
#   BENCH_PYTHON           the Python with PyTorch (default: python3 on PATH)
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
DIST=$ROOT/tools/gpu/dist
: "${OUT:?set OUT to the output folder}"
mkdir -p "$OUT"
BUDGET=${GPU_RUN_BUDGET_S:-420}
T0=$(date +%s)
LOG=$OUT/run.log
STAGES=$OUT/stages.jsonl
elapsed() { echo $(($(date +%s) - T0)); }
left() { echo $((BUDGET - $(elapsed))); }
log() { echo "[run.sh +$(elapsed)s] $*" | tee -a "$LOG" >&2; }
# stage_done NAME STATUS SECONDS [NOTE]
stage_done() {
  printf '{"stage":"%s","status":"%s","seconds":%s,"at_s":%s,"note":"%s"}\n' "$1" "$2" "$3" "$(elapsed)" "$(printf '%s' "${4:-}" | tr '"\\\n' "''  " | cut -c1-400)" >>"$STAGES"
  log "stage $1: $2 in $3 s${4:+ ($4)}"
}
# run_stage NAME LIMIT_S OUTFILE CMD...: CMD's stdout to OUTFILE, stderr to run.log, under timeout.
run_stage() {
  local name=$1 limit=$2 outfile=$3
  shift 3
  local s0 rc status
  s0=$(date +%s)
  log "stage $name (limit ${limit} s): $*"
  timeout -k 10 "$limit" "$@" >>"$outfile" 2>>"$LOG"
  rc=$?
  case $rc in
    0) status=ok ;;
    124 | 137) status=timeout ;;
    *) status="exit-$rc" ;;
  esac
  stage_done "$name" "$status" $(($(date +%s) - s0))
  return $rc
}

log "GPU run: $(git rev-parse --short HEAD 2>/dev/null || echo '?') on $(hostname), $(nproc) cores, budget ${BUDGET} s"
[ -f "$DIST/MANIFEST.json" ] || { log "no $DIST/MANIFEST.json: run tools/gpu/pack.sh here and carry tools/gpu/dist"; stage_done setup missing-dist 0; exit 2; }
cat "$DIST/MANIFEST.json" >>"$LOG"
command -v nvidia-smi >/dev/null && nvidia-smi -L >>"$LOG" 2>&1

# ---------------------------------------------------------------- setup
s0=$(date +%s)
unxz_to() { # unxz_to SRC.xz DEST: xz, or Python's lzma where xz is missing
  if command -v xz >/dev/null; then xz -dc "$1" >"$2"; else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi
}
# Unpacked outside the repository, so tools/gpu/dist stays as packed (and small enough to carry).
WORK=${GPU_RUN_WORK:-/tmp/cellstate-gpu}
mkdir -p "$WORK/bin" "$WORK/node_modules/webgpu/dist/linux-x64"
unxz_to "$DIST/node.xz" "$WORK/bin/node" && chmod +x "$WORK/bin/node"
cp "$DIST"/*.mjs "$WORK/"
cp "$DIST"/node_modules/webgpu/*.js* "$WORK/node_modules/webgpu/"
DAWN=$WORK/node_modules/webgpu/dist/linux-x64/dawn.node
unxz_to "$DIST/node_modules/webgpu/dist/linux-x64/dawn.node.xz" "$DAWN"
NODE=$WORK/bin/node
export PATH="$WORK/bin:$PATH"
export LD_LIBRARY_PATH="$DIST/vulkan${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# The Vulkan driver: GPU_RUN_ICD, else NVIDIA's ICD JSON where the image has one, else one
# written here for the driver library libGLX_nvidia.so.0 (NVIDIA's Vulkan driver lives in
# that library; its ICD JSON names it with api_version 1.3), with the library's folder on
# LD_LIBRARY_PATH for the libraries it opens (libnvidia-glvkspirv, libnvidia-gpucomp, ...).
ICD=${GPU_RUN_ICD:-}
if [ -z "$ICD" ]; then
  for d in /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d /usr/local/share/vulkan/icd.d /usr/local/nvidia/icd.d; do
    for f in "$d"/nvidia*.json; do [ -f "$f" ] && { ICD=$f; break 2; }; done
  done
fi
if [ -z "$ICD" ]; then
  GLX=""
  for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib; do
    [ -e "$d/libGLX_nvidia.so.0" ] && { GLX=$d/libGLX_nvidia.so.0; break; }
  done
  [ -z "$GLX" ] && GLX=$(ldconfig -p 2>/dev/null | awk '/libGLX_nvidia\.so\.0 / {print $NF; exit}')
  if [ -n "$GLX" ]; then
    ICD=$WORK/nvidia_icd.json
    printf '{\n  "file_format_version": "1.0.1",\n  "ICD": { "library_path": "%s", "api_version": "1.3.0" }\n}\n' "$GLX" >"$ICD"
    export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$(dirname "$GLX")"
    log "no NVIDIA ICD JSON found: wrote $ICD for $GLX"
  fi
fi
if [ -n "$ICD" ]; then
  export VK_DRIVER_FILES=$ICD VK_ICD_FILENAMES=$ICD
  log "Vulkan driver: $ICD"
  cat "$ICD" >>"$LOG" 2>/dev/null
else
  log "no Vulkan driver found (no NVIDIA ICD JSON, no libGLX_nvidia.so.0): Dawn will find no adapter"
fi
"$NODE" --version >>"$LOG" 2>&1
stage_done setup "$([ -x "$NODE" ] && [ -f "$DAWN" ] && echo ok || echo failed)" $(($(date +%s) - s0)) "node $("$NODE" --version 2>/dev/null), ICD ${ICD:-none}"

# ---------------------------------------------------------------- adapter
run_stage adapter 60 "$OUT/adapter.json" "$NODE" "$WORK/adapter-info.mjs"
log "adapter: $(grep -o '"summary":"[^"]*"' "$OUT/adapter.json" 2>/dev/null)"

# ---------------------------------------------------------------- conformance
run_stage conformance "${GPU_RUN_CONFORMANCE_S:-180}" "$OUT/conformance.jsonl" "$NODE" "$WORK/conformance.mjs"
log "conformance: $(grep '"stage":"conformance"' "$OUT/conformance.jsonl" | cut -c1-300)"

# ---------------------------------------------------------------- bench
PY=${BENCH_PYTHON:-$(command -v python3)}
export BENCH_PYTHON=$PY
"$PY" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")' >>"$LOG" 2>&1
BENCH_ARGS=(--node "$NODE" --dist "$WORK" --out "$OUT/bench.jsonl" --pair-limit 90)
if [ "${GPU_RUN_QUICK:-0}" = 1 ]; then BENCH_ARGS+=(--quick --plan rehearsal --pair-limit 60); fi
[ -n "${GPU_RUN_ICD:-}" ] && export CELLSTATE_BENCH_WEBGPU_SOFTWARE=1
BENCH_S=${GPU_RUN_BENCH_S:-240}
L=$(($(left) - 20))
[ "$BENCH_S" -gt "$L" ] && BENCH_S=$L
if [ "$BENCH_S" -ge 30 ]; then
  run_stage bench $((BENCH_S + 30)) "$OUT/bench-summary.tmp" "$PY" "$ROOT/tools/gpu/bench_gpu.py" "${BENCH_ARGS[@]}" --budget "$BENCH_S"
  cat "$OUT/bench-summary.tmp" >>"$LOG"
  rm -f "$OUT/bench-summary.tmp"
else
  stage_done bench skipped 0 "only $(left) s left"
fi

# ---------------------------------------------------------------- train (optional, last)
TRAIN_LEFT=$(($(left) - 25))
if [ "${GPU_RUN_TRAIN:-1}" = 0 ]; then
  stage_done train skipped 0 "GPU_RUN_TRAIN=0"
elif [ ! -f "$DIST/data/multi30k.tar.xz" ]; then
  stage_done train skipped 0 "no Multi30k in dist (packed with --no-data?)"
elif [ "$TRAIN_LEFT" -lt "${GPU_RUN_TRAIN_MIN_S:-90}" ]; then
  stage_done train skipped 0 "only ${TRAIN_LEFT} s left"
else
  mkdir -p "$WORK/data" && python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$DIST/data/multi30k.tar.xz" "$WORK/data"
  RUN=$WORK/runs/m30k-attn
  # A checkpoint carried in tools/gpu/dist/runs/m30k-attn (from an earlier run) is resumed.
  [ -d "$DIST/runs/m30k-attn" ] && [ ! -d "$RUN" ] && mkdir -p "$WORK/runs" && cp -r "$DIST/runs/m30k-attn" "$RUN"
  RESUME=()
  [ -f "$RUN/checkpoint.safetensors" ] && RESUME=(--resume)
  MAXMIN=$(python3 -c "print(round(max(0.5, ($TRAIN_LEFT - 45) / 60), 2))")
  # The attention configuration of apps/translate/README.md (Multi30k de-en), bounded by time.
  TRAIN_CMD=("$NODE" "$WORK/translate.mjs" --backend webgpu train --data multi30k --out "$RUN" "${RESUME[@]}"
    --layers 1 --embedding 256 --hidden 512 --bidirectional --bridge linear --attention additive --dropout 0.5
    --min-freq 2 --source-vocab 100000 --target-vocab 100000 --max-length 60 --batch-size 128 --lr 0.001
    --teacher-forcing 0.5 --epochs 10 --no-tie --valid-size 1014 --max-minutes "$MAXMIN" --checkpoint-every 50
    --export "$RUN/model.int8.safetensors" --int8)
  [ "${GPU_RUN_QUICK:-0}" = 1 ] && TRAIN_CMD+=(--train-limit 300 --valid-size 20 --max-steps 2)
  [ -n "${GPU_RUN_ICD:-}" ] && TRAIN_CMD[3]=cpu && log "rehearsal: training on the cpu backend (SwiftShader would not finish a step in time)"
  CELLSTATE_DATA=$WORK/data run_stage train "$TRAIN_LEFT" "$OUT/train.log" "${TRAIN_CMD[@]}"
  M=$RUN/model.int8.safetensors
  if [ -f "$M" ]; then
    # At most 16 MiB a file comes back: split into 15 MiB parts (cat model.part-* > model).
    SIZE=$(stat -c %s "$M")
    if [ "$SIZE" -le $((30 * 1024 * 1024)) ]; then
      split -b 15M -d -a 1 "$M" "$OUT/model.int8.safetensors.part-"
      log "model: $SIZE bytes in $(ls "$OUT"/model.int8.safetensors.part-* | wc -l) part(s)"
    else
      log "model: $SIZE bytes, more than the 2 parts of 15 MiB that fit the 8 files that come back: not brought back"
    fi
  fi
fi
log "done in $(elapsed) s; files: $(ls "$OUT" | tr '\n' ' ')"
# The summary (also the end of the device tool's output_tail).
python3 "$ROOT/tools/gpu/summary.py" "$OUT" 2>&1 | tee -a "$LOG"
