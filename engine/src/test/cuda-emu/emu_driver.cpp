// Fake CUDA driver (built as libcuda.so.1) of the CPU emulator: the driver API functions the engine,
// JCuda and the tests call, with real semantics on host memory. Device pointers are host addresses (256-byte
// aligned); every call runs synchronously on the calling thread, so streams and events only keep their
// bookkeeping (an event's time is the host's wall clock when it is recorded). There are FKT_EMU_DEVICES
// devices (default 1), each with its own primary context; each reports itself as "FKT CPU emulator",
// compute capability 9.0, FKT_EMU_SM_COUNT multiprocessors (default 8) and FKT_EMU_MEMORY_MIB of memory
// (default 8192); allocations beyond it fail with CUDA_ERROR_OUT_OF_MEMORY. There is no peer access.
// Checks a real driver makes too: cuInit first, a current context for memory, module and launch calls,
// copies and memsets inside one live allocation, valid handles, streams, events and functions used in the
// context they were made in. Checks of its own: copies, memsets, frees and address queries (which the fake
// cuBLAS and cuDNN make for every operand) of another device's memory than the current context's fail with a
// report naming both devices (kernel arguments are opaque here, so a kernel given another device's pointer
// is not caught); new allocations are
// filled with 0xff bytes (NaN as floats), and 256 canary bytes after each allocation are verified at free
// and at every stream, event and context synchronisation (CUDA_ERROR_ILLEGAL_ADDRESS, with the allocation's
// size, on stderr). Kernels come from the emulator's table, not from the module image, which is only checked
// to look like a fatbin, an ELF cubin or PTX. Names JCuda imports that are not defined here are generated
// stubs (stubs.cpp, from driver-symbols.txt) returning CUDA_ERROR_NOT_SUPPORTED. Memory functions are in
// emu_driver_memory.cpp, modules and launches in emu_driver_modules.cpp, the declarations they share in
// emu_driver.h.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "emu_driver.h"

namespace fkt_emu_driver {

std::recursive_mutex mutex;
bool initialised;
thread_local Context* current;
std::set<Stream*> streams;

namespace {

Context primaries[16];
std::set<Event*> events;

}  // namespace

long env_long(const char* name, long fallback) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != 0 ? std::strtol(v, nullptr, 10) : fallback;
}

std::size_t total_memory() {
    static std::size_t t = (std::size_t)env_long("FKT_EMU_MEMORY_MIB", 8192) << 20;
    return t;
}

int device_count() {
    static int n = (int)std::max(1L, std::min(16L, env_long("FKT_EMU_DEVICES", 1)));
    return n;
}

int sm_count() {
    static int n = (int)env_long("FKT_EMU_SM_COUNT", 8);
    return n;
}

double now_ms() {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

CUresult ready() {
    if (!initialised) {
        return CUDA_ERROR_NOT_INITIALIZED;
    }
    return current == nullptr ? CUDA_ERROR_INVALID_CONTEXT : CUDA_SUCCESS;
}

bool valid_stream(Stream* s, bool current_only) {
    if (s == nullptr) {
        return true;
    }
    if (streams.count(s) == 0) {
        return false;
    }
    if (current_only && s->ctx != current) {
        report_foreign("a stream", s->ctx);
        return false;
    }
    return true;
}

void report_foreign(const char* what, const Context* owner) {
    std::fprintf(stderr, "CUDA emulator: %s of device %d's context used while device %d's context is current\n", what,
                 owner->device, current == nullptr ? -1 : current->device);
}

namespace {

// A device ordinal this driver has.
bool valid_device(CUdevice dev) {
    return dev >= 0 && dev < device_count();
}

}  // namespace

namespace {

const char* error_name(CUresult e) {
    switch (e) {
        case CUDA_SUCCESS: return "CUDA_SUCCESS";
        case CUDA_ERROR_INVALID_VALUE: return "CUDA_ERROR_INVALID_VALUE";
        case CUDA_ERROR_OUT_OF_MEMORY: return "CUDA_ERROR_OUT_OF_MEMORY";
        case CUDA_ERROR_NOT_INITIALIZED: return "CUDA_ERROR_NOT_INITIALIZED";
        case CUDA_ERROR_NO_DEVICE: return "CUDA_ERROR_NO_DEVICE";
        case CUDA_ERROR_INVALID_DEVICE: return "CUDA_ERROR_INVALID_DEVICE";
        case CUDA_ERROR_INVALID_IMAGE: return "CUDA_ERROR_INVALID_IMAGE";
        case CUDA_ERROR_INVALID_CONTEXT: return "CUDA_ERROR_INVALID_CONTEXT";
        case CUDA_ERROR_INVALID_HANDLE: return "CUDA_ERROR_INVALID_HANDLE";
        case CUDA_ERROR_NOT_FOUND: return "CUDA_ERROR_NOT_FOUND";
        case CUDA_ERROR_NOT_READY: return "CUDA_ERROR_NOT_READY";
        case CUDA_ERROR_ILLEGAL_ADDRESS: return "CUDA_ERROR_ILLEGAL_ADDRESS";
        case CUDA_ERROR_LAUNCH_FAILED: return "CUDA_ERROR_LAUNCH_FAILED";
        case CUDA_ERROR_NOT_SUPPORTED: return "CUDA_ERROR_NOT_SUPPORTED";
        case CUDA_ERROR_UNKNOWN: return "CUDA_ERROR_UNKNOWN";
        default: return nullptr;
    }
}

}  // namespace

}  // namespace fkt_emu_driver

using namespace fkt_emu_driver;

API CUresult cuInit(unsigned flags) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    if (flags != 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (fkt_emu::kernel_count() == 0) {
        std::fprintf(stderr, "CUDA emulator: no kernels are registered in this libcuda.so.1\n");
    }
    initialised = true;
    return CUDA_SUCCESS;
}

API CUresult cuDriverGetVersion(int* version) {
    if (version == nullptr) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    *version = 13000;
    return CUDA_SUCCESS;
}

API CUresult cuDeviceGetCount(int* count) {
    if (!initialised) {
        return CUDA_ERROR_NOT_INITIALIZED;
    }
    if (count == nullptr) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    *count = device_count();
    return CUDA_SUCCESS;
}

API CUresult cuDeviceGet(CUdevice* device, int ordinal) {
    if (!initialised) {
        return CUDA_ERROR_NOT_INITIALIZED;
    }
    if (device == nullptr) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (!valid_device(ordinal)) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    *device = ordinal;
    return CUDA_SUCCESS;
}

API CUresult cuDeviceGetName(char* name, int len, CUdevice dev) {
    if (!initialised) {
        return CUDA_ERROR_NOT_INITIALIZED;
    }
    if (!valid_device(dev)) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    if (name == nullptr || len <= 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    std::snprintf(name, (std::size_t)len, "%s", "FKT CPU emulator");
    return CUDA_SUCCESS;
}

API CUresult cuDeviceTotalMem_v2(std::size_t* bytes, CUdevice dev) {
    if (!initialised) {
        return CUDA_ERROR_NOT_INITIALIZED;
    }
    if (!valid_device(dev)) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    if (bytes == nullptr) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    *bytes = total_memory();
    return CUDA_SUCCESS;
}

API CUresult cuDeviceComputeCapability(int* major, int* minor, CUdevice dev) {
    if (!valid_device(dev)) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    *major = 9;
    *minor = 0;
    return CUDA_SUCCESS;
}

API CUresult cuDeviceGetAttribute(int* value, int attribute, CUdevice dev) {
    if (!initialised) {
        return CUDA_ERROR_NOT_INITIALIZED;
    }
    if (!valid_device(dev)) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    if (value == nullptr) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    switch (attribute) {
        case 1: *value = 1024; break;             // max threads per block
        case 2: case 3: *value = 1024; break;     // max block dim x, y
        case 4: *value = 64; break;               // max block dim z
        case 5: *value = 0x7fffffff; break;       // max grid dim x
        case 6: case 7: *value = 65535; break;    // max grid dim y, z
        case 8: *value = 48 * 1024; break;        // shared memory per block
        case 9: *value = 64 * 1024; break;        // constant memory
        case 10: *value = 32; break;              // warp size
        case 11: *value = 0x7fffffff; break;      // max pitch
        case 12: *value = 65536; break;           // registers per block
        case 13: *value = 1000000; break;         // clock rate, kHz
        case 14: *value = 256; break;             // texture alignment
        case 16: *value = sm_count(); break;      // multiprocessors
        case 39: *value = 2048; break;            // threads per multiprocessor
        case 41: *value = 1; break;               // unified addressing
        case 75: *value = 9; break;               // compute capability major
        case 76: *value = 0; break;               // compute capability minor
        case 81: *value = 228 * 1024; break;      // shared memory per multiprocessor
        case 82: *value = 65536; break;           // registers per multiprocessor
        case 97: *value = 227 * 1024; break;      // opt-in shared memory per block
        case 106: *value = 32; break;             // blocks per multiprocessor
        case 115: *value = 1; break;              // memory pools supported
        default: *value = 0; break;
    }
    return CUDA_SUCCESS;
}

API CUresult cuDevicePrimaryCtxRetain(Context** ctx, CUdevice dev) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    if (!initialised) {
        return CUDA_ERROR_NOT_INITIALIZED;
    }
    if (!valid_device(dev)) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    if (ctx == nullptr) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    primaries[dev].device = dev;
    primaries[dev].retained++;
    *ctx = &primaries[dev];
    return CUDA_SUCCESS;
}

API CUresult cuDevicePrimaryCtxRelease_v2(CUdevice dev) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    if (!valid_device(dev)) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    if (primaries[dev].retained == 0) {
        return CUDA_ERROR_INVALID_CONTEXT;
    }
    primaries[dev].retained--;
    return CUDA_SUCCESS;
}

API CUresult cuDevicePrimaryCtxGetState(CUdevice dev, unsigned* flags, int* active) {
    if (!valid_device(dev)) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    *flags = 0;
    *active = primaries[dev].retained > 0;
    return CUDA_SUCCESS;
}

API CUresult cuDevicePrimaryCtxSetFlags_v2(CUdevice dev, unsigned) {
    return valid_device(dev) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_DEVICE;
}

API CUresult cuCtxSetCurrent(Context* ctx) {
    if (!initialised) {
        return CUDA_ERROR_NOT_INITIALIZED;
    }
    if (ctx != nullptr && (ctx < primaries || ctx >= primaries + device_count())) {
        return CUDA_ERROR_INVALID_CONTEXT;
    }
    current = ctx;
    return CUDA_SUCCESS;
}

API CUresult cuCtxGetCurrent(Context** ctx) {
    if (!initialised) {
        return CUDA_ERROR_NOT_INITIALIZED;
    }
    *ctx = current;
    return CUDA_SUCCESS;
}

API CUresult cuCtxGetDevice(CUdevice* dev) {
    CUresult r = ready();
    if (r == CUDA_SUCCESS) {
        *dev = current->device;
    }
    return r;
}

API CUresult cuCtxSynchronize() {
    std::lock_guard<std::recursive_mutex> g(mutex);
    CUresult r = ready();
    return r != CUDA_SUCCESS ? r : check_all("cuCtxSynchronize");
}

API CUresult cuStreamCreate(Stream** stream, unsigned flags) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    CUresult r = ready();
    if (r != CUDA_SUCCESS) {
        return r;
    }
    if (stream == nullptr || flags > 1) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    *stream = new Stream{flags, current};
    streams.insert(*stream);
    return CUDA_SUCCESS;
}

API CUresult cuStreamCreateWithPriority(Stream** stream, unsigned flags, int) {
    return cuStreamCreate(stream, flags);
}

API CUresult cuStreamDestroy_v2(Stream* stream) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    if (streams.erase(stream) == 0) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    delete stream;
    return CUDA_SUCCESS;
}

API CUresult cuStreamSynchronize(Stream* stream) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    CUresult r = ready();
    if (r != CUDA_SUCCESS) {
        return r;
    }
    return valid_stream(stream, false) ? check_all("cuStreamSynchronize") : CUDA_ERROR_INVALID_HANDLE;
}

API CUresult cuStreamQuery(Stream* stream) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    return valid_stream(stream, false) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

API CUresult cuStreamWaitEvent(Stream* stream, Event* event, unsigned) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    return valid_stream(stream, false) && events.count(event) != 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

API CUresult cuEventCreate(Event** event, unsigned flags) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    CUresult r = ready();
    if (r != CUDA_SUCCESS) {
        return r;
    }
    if (event == nullptr || (flags & ~0x7u) != 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    *event = new Event{flags, current};
    events.insert(*event);
    return CUDA_SUCCESS;
}

API CUresult cuEventRecord(Event* event, Stream* stream) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    CUresult r = ready();
    if (r != CUDA_SUCCESS) {
        return r;
    }
    if (events.count(event) == 0 || !valid_stream(stream)) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    if (event->ctx != current) {
        report_foreign("cuEventRecord: an event", event->ctx);
        return CUDA_ERROR_INVALID_HANDLE;
    }
    event->recorded = true;
    event->ms = now_ms();
    return CUDA_SUCCESS;
}

API CUresult cuEventRecordWithFlags(Event* event, Stream* stream, unsigned) {
    return cuEventRecord(event, stream);
}

API CUresult cuEventSynchronize(Event* event) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    if (events.count(event) == 0) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    return check_all("cuEventSynchronize");
}

API CUresult cuEventQuery(Event* event) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    return events.count(event) != 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

API CUresult cuEventElapsedTime(float* ms, Event* start, Event* end) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    if (ms == nullptr) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (events.count(start) == 0 || events.count(end) == 0 || (start->flags & 2) != 0 || (end->flags & 2) != 0) {
        return CUDA_ERROR_INVALID_HANDLE;  // flag 2: CU_EVENT_DISABLE_TIMING
    }
    if (!start->recorded || !end->recorded) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    *ms = (float)(end->ms - start->ms);
    return CUDA_SUCCESS;
}

API CUresult cuEventDestroy_v2(Event* event) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    if (events.erase(event) == 0) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    delete event;
    return CUDA_SUCCESS;
}

API CUresult cuGetErrorName(CUresult e, const char** s) {
    if (s == nullptr) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    *s = error_name(e);
    return *s == nullptr ? CUDA_ERROR_INVALID_VALUE : CUDA_SUCCESS;
}

API CUresult cuGetErrorString(CUresult e, const char** s) {
    return cuGetErrorName(e, s);
}
