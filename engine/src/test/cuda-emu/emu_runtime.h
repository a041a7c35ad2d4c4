// Runtime of the CPU emulator of a CUDA device: runs a kernel launch on the calling OS thread, one block
// after another, every CUDA thread of a block as a fiber (its own 64 KiB stack) that runs until it reaches
// a barrier (__syncthreads, __syncwarp, a warp shuffle or vote) or returns (emu_runtime.cpp, with the
// fibers' stack switch in emu_fiber.cpp). Also the kernel table that the generated registration units fill
// (FKT_EMU_REGISTER) and that the fake driver (emu_driver.cpp) looks kernels up in (emu_kernels.cpp).
//
// What it checks: a barrier that can never complete (threads of a block at different __syncthreads, or
// waiting at a block barrier while their warp mates wait at a shuffle) fails the launch naming kernel, block
// and threads; a shuffle that reads a lane which did not take part (exited, outside the block, outside the
// mask) fails likewise; shared memory is filled with 0xff bytes (float NaN, int -1) before every block.
// The order in which the fibers run between two barriers is chosen per launch by FKT_EMU_ORDER = forward
// | reverse | random (seed FKT_EMU_SEED, else the time; printed with every failure); reverse and random
// also permute the order of the blocks. A missing barrier then shows as results that change with the order.
// A segmentation fault inside a kernel prints the kernel, block and thread before the JVM's crash report.
// FKT_EMU_STATS=FILE appends, at exit, the launches per kernel and the kernels never launched to FILE.
//
// What it cannot show:
//  - races that need true parallelism: fibers switch only at barriers, so two threads never interleave
//    between barriers; atomics are trivially atomic; a data race between threads of one block shows only
//    where a barrier is missing and the order of the fibers changes the result;
//  - the GPU memory model (weak ordering between blocks, visibility without fences, caches): blocks run to
//    completion one after another, so code that wrongly relies on one block seeing another's writes
//    mid-kernel may pass here;
//  - timing, occupancy, register and shared-memory limits, coalescing, bank conflicts;
//  - the fatbin's machine code and PTX: the kernels are the .cu sources compiled by g++ for the CPU, so
//    nvcc's code generation, its fast-math choices and FMA contraction (compiled here with
//    -ffp-contract=off) are not exercised; single-precision math functions come from the C library;
//  - the real driver, cuBLAS and cuDNN (the fake driver runs everything synchronously on host memory);
//  - out-of-bounds reads, and writes that stay inside the allocator's rounding of a block or jump past the
//    canary bytes (emu_driver.cpp checks 256 canary bytes after every allocation).
#pragma once

#include <cstdint>
#include <string>
#include <utility>

struct uint3 {
    unsigned x, y, z;
};
struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};

namespace fkt_emu {

// What device code sees of the running fiber.
struct Fiber {
    uint3 thread_idx;
    unsigned linear;  // x + y * blockDim.x + z * blockDim.x * blockDim.y; lane = linear % 32
};

extern Fiber* current_fiber;
extern uint3 current_block_idx;
extern dim3 current_block_dim;
extern dim3 current_grid_dim;

// Barriers and warp exchanges; each may switch to other fibers. file:line name the call site.
void sync_block(const char* file, int line);
void sync_warp(const char* file, int line);
std::uint64_t exchange(unsigned mask, std::uint64_t bits, int src, int width, const char* what);
unsigned ballot(unsigned mask, bool predicate);

// Unpacks cuLaunchKernel's kernelParams and calls the kernel.
typedef void (*Thunk)(void** params);

// Adds a kernel to the table (at library load, from the generated registration units).
struct Registrar {
    Registrar(const char* name, Thunk thunk);
};

// The thunk of kernel F: parameter i is *(A_i*) params[i], as cuLaunchKernel passes them.
template <auto F>
struct KernelThunk;

template <class... A, void (*F)(A...)>
struct KernelThunk<F> {
    template <std::size_t... I>
    static void call(void** params, std::index_sequence<I...>) {
        F(*static_cast<typename std::remove_cv<A>::type*>(params[I])...);
    }
    static void run(void** params) { call(params, std::index_sequence_for<A...>{}); }
};

// Host side, used by the fake driver. The registered kernel named `name`, or null.
Thunk find_kernel(const char* name);
// Number of registered kernels.
int kernel_count();
// Counts one launch of kernel `name` (written out with FKT_EMU_STATS at exit).
void count_launch(const char* name);

// Runs a whole launch; returns an empty string on success, else what went wrong (also on stderr).
std::string launch(const char* name, Thunk thunk, dim3 grid, dim3 block, void** params);

}  // namespace fkt_emu

#define FKT_EMU_REGISTER(name) \
    static ::fkt_emu::Registrar fkt_emu_registrar_##name(#name, &::fkt_emu::KernelThunk<&name>::run);
