// Shared declarations of the fake CUDA driver of the CPU emulator (emu_driver.cpp: devices, contexts,
// streams, events, modules, launches; emu_driver_memory.cpp: allocations, canaries, copies, memsets):
// the driver's C types, its objects and the state both files use, all under one recursive mutex. There are
// FKT_EMU_DEVICES devices (default 1), each with one primary context; streams, events and modules belong to
// the context current when they were made, allocations to that context's device.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "emu_runtime.h"

namespace fkt_emu_driver {

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;

enum : int {
    CUDA_SUCCESS = 0,
    CUDA_ERROR_INVALID_VALUE = 1,
    CUDA_ERROR_OUT_OF_MEMORY = 2,
    CUDA_ERROR_NOT_INITIALIZED = 3,
    CUDA_ERROR_NO_DEVICE = 100,
    CUDA_ERROR_INVALID_DEVICE = 101,
    CUDA_ERROR_INVALID_IMAGE = 200,
    CUDA_ERROR_INVALID_CONTEXT = 201,
    CUDA_ERROR_INVALID_HANDLE = 400,
    CUDA_ERROR_NOT_FOUND = 500,
    CUDA_ERROR_NOT_READY = 600,
    CUDA_ERROR_ILLEGAL_ADDRESS = 700,
    CUDA_ERROR_LAUNCH_FAILED = 719,
    CUDA_ERROR_NOT_SUPPORTED = 801,
    CUDA_ERROR_UNKNOWN = 999,
};

constexpr std::size_t kAlign = 256;
constexpr std::size_t kCanary = 256;
constexpr unsigned char kCanaryByte = 0xa5;

struct Context {
    int device = 0;
    int retained = 0;
};
struct Stream {
    unsigned flags;
    Context* ctx;
};
struct Event {
    unsigned flags;
    Context* ctx;
    bool recorded = false;
    double ms = 0;
};
struct Module {
    Context* ctx;
};
struct Function {
    std::string name;
    fkt_emu::Thunk thunk;
    Context* ctx;
};
struct Allocation {
    std::size_t size;
    void* base;  // what malloc returned
    int device;
};

extern std::recursive_mutex mutex;
extern bool initialised;
extern thread_local Context* current;
extern std::set<Stream*> streams;

// Each device's memory in bytes (FKT_EMU_MEMORY_MIB, default 8192 MiB).
std::size_t total_memory();
// The number of devices (FKT_EMU_DEVICES, default 1, at most 16).
int device_count();
// cuInit done and a context current on this thread.
CUresult ready();
// Null (the default stream) or a live stream of cuStreamCreate; with `current_only`, also one made in the
// context current now (a real driver refuses another context's stream for launches, copies and records).
bool valid_stream(Stream* s, bool current_only = true);
// Reports on stderr that `what` was given a stream, event or function of another context than the current one.
void report_foreign(const char* what, const Context* owner);
// Verifies every allocation's canary; CUDA_ERROR_ILLEGAL_ADDRESS (and a report) where one was overwritten.
CUresult check_all(const char* when);

}  // namespace fkt_emu_driver

#define API extern "C" __attribute__((visibility("default")))
