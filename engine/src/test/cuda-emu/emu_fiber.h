// Fibers of the CPU emulator of a CUDA device: one per CUDA thread of a block, each on its own stack, and
// the switch between a fiber and the scheduler that runs them (emu_fiber.cpp). Internal to the emulator's
// runtime (emu_runtime.cpp), which owns the fibers and decides which runs when.
#pragma once

#include <cstddef>

#include "emu_runtime.h"

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

namespace fkt_emu {

constexpr std::size_t kStackBytes = 64 * 1024;

enum class State { runnable, at_block, at_warp, done };

struct FiberImpl : Fiber {
    State state;
    const char* file;  // call site of the barrier waited at
    int line;
    const char* what;
    char* stack;
#if defined(__x86_64__)
    void* sp;
#else
    ucontext_t context;
#endif
};

// Prepares f to run entry from the top of its stack (kStackBytes from f->stack) when next resumed.
void start_fiber(FiberImpl* f, void (*entry)());
// Makes f the current fiber and runs it until it switches back to the scheduler.
void resume(FiberImpl* f);
// Leaves fiber f for the scheduler; returns when f is resumed.
void to_scheduler(FiberImpl* f);

}  // namespace fkt_emu
