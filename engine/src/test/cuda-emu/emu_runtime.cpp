// Fiber scheduler of the CPU emulator of a CUDA device: barriers, warp exchanges and whole launches (see
// emu_runtime.h for what it checks and what it cannot show). The fibers' stack switch is in emu_fiber.cpp,
// the kernel table in emu_kernels.cpp.
#include "emu_fiber.h"
#include "emu_runtime.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <random>
#include <stdexcept>
#include <vector>

namespace fkt_emu {

Fiber* current_fiber;
uint3 current_block_idx;
dim3 current_block_dim;
dim3 current_grid_dim;

namespace {

constexpr int kMaxThreads = 1024;
constexpr std::size_t kGuardBytes = 4096;

struct Warp {
    std::uint64_t slot[32];
    std::uint64_t posted[32];  // round in which each lane last published
    std::uint64_t round;       // completed warp barriers
};

FiberImpl fibers[kMaxThreads];
Warp warps[kMaxThreads / 32];
char* stacks;
unsigned thread_count;
Thunk launch_thunk;
void** launch_params;
const char* launch_name;
std::string failure;  // set by a fiber that found an error; the scheduler ends the launch
thread_local bool in_kernel;
struct sigaction previous_segv;
std::uint64_t seed;
std::mt19937_64 rng;

enum class Order { forward, reverse, random };

Order order() {
    static Order o = [] {
        const char* v = std::getenv("FKT_EMU_ORDER");
        if (v == nullptr || std::strcmp(v, "forward") == 0) {
            return Order::forward;
        }
        if (std::strcmp(v, "reverse") == 0) {
            return Order::reverse;
        }
        if (std::strcmp(v, "random") == 0) {
            return Order::random;
        }
        std::fprintf(stderr, "CUDA emulator: FKT_EMU_ORDER=%s is not forward, reverse or random; using forward\n", v);
        return Order::forward;
    }();
    return o;
}

const char* order_name() {
    switch (order()) {
        case Order::reverse:
            return "reverse";
        case Order::random:
            return "random";
        default:
            return "forward";
    }
}

void fiber_main() {
    auto* f = static_cast<FiberImpl*>(current_fiber);
    launch_thunk(launch_params);
    f->state = State::done;
    to_scheduler(f);
    std::abort();  // a finished fiber is never resumed
}

std::string where(const FiberImpl& f) {
    char b[200];
    std::snprintf(b, sizeof b, "block (%u,%u,%u) thread (%u,%u,%u)", current_block_idx.x, current_block_idx.y,
                  current_block_idx.z, f.thread_idx.x, f.thread_idx.y, f.thread_idx.z);
    return b;
}

// Records the error and leaves the fiber for good.
[[noreturn]] void fail_here(const std::string& message) {
    auto* f = static_cast<FiberImpl*>(current_fiber);
    failure = where(*f) + ": " + message;
    to_scheduler(f);
    std::abort();
}

void wait(State s, const char* file, int line, const char* what) {
    auto* f = static_cast<FiberImpl*>(current_fiber);
    f->state = s;
    f->file = file;
    f->line = line;
    f->what = what;
    to_scheduler(f);
}

void on_segv(int sig, siginfo_t* info, void* context) {
    if (in_kernel && current_fiber != nullptr) {
        char b[400];
        int n = std::snprintf(b, sizeof b,
                              "CUDA emulator: segmentation fault at address %p in kernel %s, %s (an out-of-bounds "
                              "device access, or a misaligned float4)\n",
                              info->si_addr, launch_name,
                              where(*static_cast<FiberImpl*>(current_fiber)).c_str());
        if (write(2, b, n > 0 ? (std::size_t)n : 0) < 0) {
            // nothing more can be reported from a signal handler
        }
        in_kernel = false;
    }
    if (previous_segv.sa_flags & SA_SIGINFO) {
        previous_segv.sa_sigaction(sig, info, context);
    } else if (previous_segv.sa_handler == SIG_DFL || previous_segv.sa_handler == SIG_IGN) {
        signal(sig, SIG_DFL);
        raise(sig);
    } else {
        previous_segv.sa_handler(sig);
    }
}

void setup() {
    if (stacks != nullptr) {
        return;
    }
    const std::size_t each = kStackBytes + kGuardBytes;
    void* m = mmap(nullptr, each * kMaxThreads, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (m == MAP_FAILED) {
        throw std::runtime_error("CUDA emulator: cannot map the fiber stacks");
    }
    stacks = static_cast<char*>(m);
    for (int i = 0; i < kMaxThreads; i++) {
        mprotect(stacks + i * each, kGuardBytes, PROT_NONE);
        fibers[i].stack = stacks + i * each + kGuardBytes;
    }
    const char* s = std::getenv("FKT_EMU_SEED");
    seed = s != nullptr ? std::strtoull(s, nullptr, 10)
                        : (std::uint64_t)std::chrono::steady_clock::now().time_since_epoch().count();
    rng.seed(seed);
    struct sigaction a;
    std::memset(&a, 0, sizeof a);
    a.sa_sigaction = &on_segv;
    a.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&a.sa_mask);
    sigaction(SIGSEGV, &a, &previous_segv);
}

extern "C" char __start_fkt_emu_shared[] __attribute__((weak));
extern "C" char __stop_fkt_emu_shared[] __attribute__((weak));

// Describes the fibers that still wait (up to three per kind of barrier), for a deadlock report.
std::string waiting() {
    std::string s;
    int shown_block = 0, shown_warp = 0;
    for (unsigned i = 0; i < thread_count; i++) {
        const FiberImpl& f = fibers[i];
        int& shown = f.state == State::at_block ? shown_block : shown_warp;
        if ((f.state == State::at_block || f.state == State::at_warp) && shown < 3) {
            char b[300];
            if (f.line > 0) {
                std::snprintf(b, sizeof b, "\n    thread (%u,%u,%u) waits at %s (%s:%d)", f.thread_idx.x,
                              f.thread_idx.y, f.thread_idx.z, f.what, f.file, f.line);
            } else {
                std::snprintf(b, sizeof b, "\n    thread (%u,%u,%u) waits at %s", f.thread_idx.x, f.thread_idx.y,
                              f.thread_idx.z, f.what);
            }
            s += b;
            shown++;
        }
    }
    return s;
}

// Releases every barrier that can complete; false when none can (a deadlock) or on an error.
bool release() {
    unsigned alive = 0, at_block = 0;
    const FiberImpl* first = nullptr;
    for (unsigned i = 0; i < thread_count; i++) {
        const FiberImpl& f = fibers[i];
        if (f.state != State::done) {
            alive++;
        }
        if (f.state == State::at_block) {
            at_block++;
            if (first == nullptr) {
                first = &f;
            }
        }
    }
    if (alive > 0 && at_block == alive) {
        for (unsigned i = 0; i < thread_count; i++) {
            FiberImpl& f = fibers[i];
            if (f.state == State::at_block && (f.line != first->line || std::strcmp(f.file, first->file) != 0)) {
                char b[600];
                std::snprintf(b, sizeof b,
                              "threads of one block wait at different __syncthreads: (%u,%u,%u) at %s:%d, (%u,%u,%u) "
                              "at %s:%d",
                              first->thread_idx.x, first->thread_idx.y, first->thread_idx.z, first->file, first->line,
                              f.thread_idx.x, f.thread_idx.y, f.thread_idx.z, f.file, f.line);
                failure = "block (" + std::to_string(current_block_idx.x) + "," + std::to_string(current_block_idx.y) +
                          "," + std::to_string(current_block_idx.z) + "): " + b;
                return false;
            }
        }
        for (unsigned i = 0; i < thread_count; i++) {
            if (fibers[i].state == State::at_block) {
                fibers[i].state = State::runnable;
            }
        }
        return true;
    }
    bool released = false;
    for (unsigned w = 0; w * 32 < thread_count; w++) {
        unsigned end = std::min(thread_count, (w + 1) * 32);
        unsigned live = 0, waiting_warp = 0;
        for (unsigned i = w * 32; i < end; i++) {
            live += fibers[i].state != State::done;
            waiting_warp += fibers[i].state == State::at_warp;
        }
        if (live > 0 && waiting_warp == live) {
            for (unsigned i = w * 32; i < end; i++) {
                if (fibers[i].state == State::at_warp) {
                    fibers[i].state = State::runnable;
                }
            }
            warps[w].round++;
            released = true;
        }
    }
    return released;
}

std::string run_block(std::vector<unsigned>& run_order) {
    if (__start_fkt_emu_shared != nullptr && __stop_fkt_emu_shared != nullptr) {
        std::memset(__start_fkt_emu_shared, 0xff, (std::size_t)(__stop_fkt_emu_shared - __start_fkt_emu_shared));
    }
    for (unsigned i = 0; i < thread_count; i++) {
        FiberImpl& f = fibers[i];
        f.state = State::runnable;
        start_fiber(&f, &fiber_main);
    }
    for (unsigned w = 0; w * 32 < thread_count; w++) {
        std::memset(warps[w].posted, 0xff, sizeof warps[w].posted);
        warps[w].round = 0;
    }
    for (;;) {
        if (order() == Order::random) {
            std::shuffle(run_order.begin(), run_order.end(), rng);
        }
        for (unsigned i : run_order) {
            if (fibers[i].state == State::runnable) {
                resume(&fibers[i]);
                if (!failure.empty()) {
                    return failure;
                }
            }
        }
        bool all_done = true;
        for (unsigned i = 0; i < thread_count; i++) {
            all_done &= fibers[i].state == State::done;
        }
        if (all_done) {
            return "";
        }
        if (!release()) {
            if (!failure.empty()) {
                return failure;
            }
            char b[200];
            std::snprintf(b, sizeof b, "block (%u,%u,%u): deadlock, no barrier can complete:", current_block_idx.x,
                          current_block_idx.y, current_block_idx.z);
            return b + waiting();
        }
    }
}

}  // namespace

void sync_block(const char* file, int line) {
    wait(State::at_block, file, line, "__syncthreads");
}

void sync_warp(const char* file, int line) {
    wait(State::at_warp, file, line, "__syncwarp");
}

namespace {
// First half of a warp exchange: publishes bits in the lane's slot and waits for the warp; then checks
// that every lane of the mask published in the same round. Returns the warp.
Warp& publish(unsigned mask, std::uint64_t bits, const char* what) {
    auto* f = static_cast<FiberImpl*>(current_fiber);
    const unsigned lane = f->linear & 31;
    Warp& w = warps[f->linear / 32];
    if (((mask >> lane) & 1) == 0) {
        fail_here(std::string(what) + ": the calling lane " + std::to_string(lane) + " is not in the mask");
    }
    const std::uint64_t round = w.round;
    w.slot[lane] = bits;
    w.posted[lane] = round;
    wait(State::at_warp, "", 0, what);
    const unsigned base = f->linear & ~31u;
    for (unsigned l = 0; l < 32; l++) {
        if (((mask >> l) & 1) != 0 && (base + l >= thread_count || w.posted[l] != round)) {
            fail_here(std::string(what) + ": lane " + std::to_string(l) + " of the mask " +
                      (base + l >= thread_count ? "is outside the block (blockDim not a multiple of 32)"
                                                : "did not take part (it exited or diverged)"));
        }
    }
    return w;
}
}  // namespace

std::uint64_t exchange(unsigned mask, std::uint64_t bits, int src, int width, const char* what) {
    if (width <= 0 || width > 32 || (width & (width - 1)) != 0) {
        fail_here(std::string(what) + ": width " + std::to_string(width) + " is not a power of 2 up to 32");
    }
    Warp& w = publish(mask, bits, what);
    if (src < 0 || src > 31 || ((mask >> src) & 1) == 0) {
        fail_here(std::string(what) + ": lane " + std::to_string(current_fiber->linear & 31) + " reads lane " +
                  std::to_string(src) + ", which is not in the mask");
    }
    const std::uint64_t r = w.slot[src];
    wait(State::at_warp, "", 0, what);
    return r;
}

unsigned ballot(unsigned mask, bool predicate) {
    Warp& w = publish(mask, predicate ? 1 : 0, "__ballot_sync");
    unsigned votes = 0;
    for (int l = 0; l < 32; l++) {
        if (((mask >> l) & 1) != 0 && w.slot[l] != 0) {
            votes |= 1u << l;
        }
    }
    wait(State::at_warp, "", 0, "__ballot_sync");
    return votes;
}

std::string launch(const char* name, Thunk thunk, dim3 grid, dim3 block, void** params) {
    setup();
    const unsigned long long threads = (unsigned long long)block.x * block.y * block.z;
    char b[300];
    if (threads == 0 || threads > kMaxThreads || block.z > 64) {
        std::snprintf(b, sizeof b, "kernel %s: block %ux%ux%u is not 1 to 1024 threads", name, block.x, block.y,
                      block.z);
        return b;
    }
    if (grid.x == 0 || grid.y == 0 || grid.z == 0 || grid.x > 0x7fffffffu || grid.y > 65535 || grid.z > 65535) {
        std::snprintf(b, sizeof b, "kernel %s: grid %ux%ux%u is outside the device's limits", name, grid.x, grid.y,
                      grid.z);
        return b;
    }
    count_launch(name);
    launch_thunk = thunk;
    launch_params = params;
    launch_name = name;
    thread_count = (unsigned)threads;
    current_block_dim = block;
    current_grid_dim = grid;
    failure.clear();
    for (unsigned i = 0; i < thread_count; i++) {
        FiberImpl& f = fibers[i];
        f.linear = i;
        f.thread_idx = {i % block.x, i / block.x % block.y, i / (block.x * block.y)};
    }
    std::vector<unsigned> run_order(thread_count);
    for (unsigned i = 0; i < thread_count; i++) {
        run_order[i] = order() == Order::reverse ? thread_count - 1 - i : i;
    }
    const unsigned long long blocks = (unsigned long long)grid.x * grid.y * grid.z;
    std::vector<unsigned long long> block_order;
    if (order() != Order::forward) {
        block_order.resize(blocks);
        for (unsigned long long i = 0; i < blocks; i++) {
            block_order[i] = order() == Order::reverse ? blocks - 1 - i : i;
        }
        if (order() == Order::random) {
            std::shuffle(block_order.begin(), block_order.end(), rng);
        }
    }
    in_kernel = true;
    std::string error;
    for (unsigned long long k = 0; k < blocks && error.empty(); k++) {
        const unsigned long long id = block_order.empty() ? k : block_order[k];
        current_block_idx = {(unsigned)(id % grid.x), (unsigned)(id / grid.x % grid.y),
                             (unsigned)(id / ((unsigned long long)grid.x * grid.y))};
        error = run_block(run_order);
    }
    in_kernel = false;
    current_fiber = nullptr;
    if (!error.empty()) {
        std::snprintf(b, sizeof b, " (grid %ux%ux%u, block %ux%ux%u, fiber order %s, FKT_EMU_SEED=%llu)", grid.x,
                      grid.y, grid.z, block.x, block.y, block.z, order_name(), (unsigned long long)seed);
        error = "kernel " + std::string(name) + ", " + error + b;
        std::fprintf(stderr, "CUDA emulator: %s\n", error.c_str());
    }
    return error;
}

}  // namespace fkt_emu
