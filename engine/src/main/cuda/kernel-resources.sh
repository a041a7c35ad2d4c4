#!/usr/bin/env bash
# Static check of what an sm_80 (A100) or sm_90 (H100) GPU would refuse or run badly, done without a GPU:
# per kernel, ptxas's registers, stack and spills and the static shared memory, set against the block
# size and dynamic shared memory the Java launchers use; prints a table with the sm_90 (and sm_80)
# occupancy and exits 1 when a kernel spills or would not launch.
# Usage: kernel-resources.sh LAUNCHES [REPORT]
#   LAUNCHES  lines "KERNEL THREADS_PER_BLOCK DYNAMIC_SHARED_BYTES"; KERNEL "*" is every other kernel.
#             CudaKernelResourcesTest writes it from CudaLaunch's table to target/kernel-launches.txt.
#   REPORT    build-fatbin.sh's report (the build leaves it in target/kernel-resources.txt); without it
#             the kernels are compiled here first (needs nvcc).
# Unusual choices: the numbers come from ptxas's own report of the fatbin's compilation, not from
# cuobjdump, which the CUDA image here lacks and which does not report spills. A launch fails when the
# block exceeds 1024 threads or its __launch_bounds__, when its registers (allocated per warp in units of
# 256) exceed 65536, or when static + dynamic shared memory exceeds 48 KiB, since CudaDriver makes no
# cuFuncSetAttribute opt-in. Occupancy assumes the largest shared-memory carveout and 1 KiB reserved per
# block, as the CUDA occupancy calculator does.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
launches="${1:?usage: kernel-resources.sh LAUNCHES [REPORT]}"
report="${2:-}"
if [ -z "$report" ]; then
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    bash "$here/build-fatbin.sh" "$work/kernels.fatbin" "" "$work/report.txt" >&2
    report="$work/report.txt"
    if [ ! -s "$report" ]; then
        echo "kernel-resources: no report (is nvcc installed?)" >&2
        exit 2
    fi
fi
awk '
function ceil_to(v, unit) { return int((v + unit - 1) / unit) * unit }
function min(a, b) { return a < b ? a : b }
# blocks per SM of kernel k on arch a, with the limiting resource in LIMIT; 0 when it cannot launch
function occupancy(k, a, threads,   warps, regWarp, byRegs, smem, bySmem, byThreads, best) {
    warps = int((threads + 31) / 32)
    regWarp = ceil_to(REGS[k, a] * 32, 256)
    byRegs = regWarp == 0 ? 32 : int(int(65536 / regWarp) / warps)
    smem = ceil_to(SMEM[k, a] + DYN[k] + 1024, 128)
    bySmem = int(SMEM_SM[a] / smem)
    byThreads = int(2048 / (warps * 32))
    best = 32; LIMIT = "blocks"
    if (byThreads < best) { best = byThreads; LIMIT = "threads" }
    if (byRegs < best) { best = byRegs; LIMIT = "registers" }
    if (bySmem < best) { best = bySmem; LIMIT = "shared" }
    return best
}
BEGIN { SMEM_SM["sm_80"] = 164 * 1024; SMEM_SM["sm_90"] = 228 * 1024 }
FNR == NR {
    if ($0 ~ /^[ \t]*(#|$)/) next
    LAUNCH_T[$1] = $2; LAUNCH_D[$1] = $3; next
}
/Compiling entry function/ {
    k = $0; sub(/^[^\x27]*\x27/, "", k); sub(/\x27.*/, "", k)
    a = $0; sub(/.*for \x27/, "", a); sub(/\x27.*/, "", a)
    cur = k; props = ""; KERNEL[k] = 1; ARCH[k, a] = 1; SMEM[k, a] = 0; next
}
/Function properties for / { props = $NF; next }
/bytes stack frame/ && props == cur {
    STACK[cur, a] = $1; SPILL_ST[cur, a] = $5; SPILL_LD[cur, a] = $9; next
}
/Used [0-9]+ registers/ {
    r = $0; sub(/.*Used /, "", r); REGS[cur, a] = r + 0
    if (match($0, /[0-9]+ bytes smem/)) SMEM[cur, a] = substr($0, RSTART, RLENGTH) + 0
    next
}
$1 == "launch_bounds" {
    split($4, t, ","); BOUND[$2] = t[1] * t[2] * t[3]; MINBLOCKS[$2] = $6 + 0; next
}
END {
    if (length(KERNEL) == 0) { print "kernel-resources: no kernels in the report" > "/dev/stderr"; exit 2 }
    for (k in LAUNCH_T) if (k != "*" && !(k in KERNEL)) {
        printf "FAIL %s: in the launch table but not in the fatbin\n", k; failed++
    }
    n = 0
    for (k in KERNEL) NAMES[++n] = k
    for (i = 2; i <= n; i++) {
        v = NAMES[i]
        for (j = i - 1; j > 0 && NAMES[j] > v; j--) NAMES[j + 1] = NAMES[j]
        NAMES[j + 1] = v
    }
    printf "%-30s %6s %6s %9s %6s %9s %7s %5s %6s %5s %-9s %5s  %s\n", "kernel", "block", "dyn", "regs80/90",
        "stack", "spill", "smem", "blk90", "warp90", "occ90", "limit90", "occ80", "status"
    for (i = 1; i <= n; i++) {
        k = NAMES[i]
        threads = (k in LAUNCH_T) ? LAUNCH_T[k] : LAUNCH_T["*"]
        DYN[k] = (k in LAUNCH_T) ? LAUNCH_D[k] : LAUNCH_D["*"]
        if (threads == "") { printf "FAIL %s: no launch table entry and no \"*\" default\n", k; failed++; continue }
        status = ""; stack = 0; st = 0; ld = 0; smem = 0
        for (a in SMEM_SM) {
            if (!((k, a) in ARCH)) { status = status "no " a " code; "; continue }
            stack = stack > STACK[k, a] ? stack : STACK[k, a]
            st = st > SPILL_ST[k, a] ? st : SPILL_ST[k, a]
            ld = ld > SPILL_LD[k, a] ? ld : SPILL_LD[k, a]
            smem = smem > SMEM[k, a] ? smem : SMEM[k, a]
            if (ceil_to(REGS[k, a] * 32, 256) * int((threads + 31) / 32) > 65536)
                status = status a " registers x block > 65536; "
            if (occupancy(k, a, threads) == 0) status = status a " no block fits (" LIMIT "); "
        }
        if (threads > 1024) status = status "block > 1024 threads; "
        if ((k in BOUND) && threads > BOUND[k]) status = status "block > __launch_bounds__ " BOUND[k] "; "
        if (smem + DYN[k] > 48 * 1024) status = status "shared > 48 KiB without opt-in; "
        if (st + ld > 0) { status = status "spills; "; spilled++ }
        if (status != "") failed++
        sub(/; $/, "", status)
        o90 = ((k, "sm_90") in ARCH) ? occupancy(k, "sm_90", threads) : 0; lim = LIMIT
        o80 = ((k, "sm_80") in ARCH) ? occupancy(k, "sm_80", threads) : 0
        warps = int((threads + 31) / 32)
        if ((k in MINBLOCKS) && o90 < MINBLOCKS[k]) note = "; below __launch_bounds__ min " MINBLOCKS[k] " blocks/SM"
        else note = ""
        printf "%-30s %6d %6d %4s/%-4s %6d %4d/%-4d %7d %5d %6d %4d%% %-9s %4d%%  %s\n", k, threads, DYN[k],
            REGS[k, "sm_80"], REGS[k, "sm_90"], stack, st, ld, smem, o90, o90 * warps,
            int(100 * o90 * warps / 64 + 0.5), lim, int(100 * o80 * warps / 64 + 0.5),
            (status == "" ? "ok" : "FAIL: " status) note
    }
    printf "%d kernels, %d failing (%d spilling); per SM on sm_90: 65536 registers, 228 KiB shared, %s\n",
        n, failed, spilled, "2048 threads, 32 blocks"
    exit failed > 0 ? 1 : 0
}' "$launches" "$report"
