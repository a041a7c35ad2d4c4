// Shared declarations of the fake CUDA driver of the CPU emulator (emu_driver.cpp: devices, contexts,
// streams, events, modules, launches; emu_driver_memory.cpp: allocations, canaries, copies, memsets):
// the driver's C types, its objects and the state both files use, all under one recursive mutex.
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
    int retained = 0;
};
struct Stream {
    unsigned flags;
};
struct Event {
    unsigned flags;
    bool recorded = false;
    double ms = 0;
};
struct Module {
    int unused;
};
struct Function {
    std::string name;
    fkt_emu::Thunk thunk;
};
struct Allocation {
    std::size_t size;
    void* base;  // what malloc returned
};

extern std::recursive_mutex mutex;
extern bool initialised;
extern thread_local Context* current;
extern std::set<Stream*> streams;

// The device's memory in bytes (FKT_EMU_MEMORY_MIB, default 8192 MiB).
std::size_t total_memory();
// cuInit done and a context current on this thread.
CUresult ready();
// Null (the default stream) or a stream that cuStreamCreate made and that is not destroyed.
bool valid_stream(Stream* s);
// Verifies every allocation's canary; CUDA_ERROR_ILLEGAL_ADDRESS (and a report) where one was overwritten.
CUresult check_all(const char* when);

}  // namespace fkt_emu_driver

#define API extern "C" __attribute__((visibility("default")))
