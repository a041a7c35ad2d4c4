// Operand checks of the fake cuBLAS and cuDNN against the emulated driver's allocations: where the emulator's
// libcuda.so.1 is loaded and a context is current, each operand's extent must lie inside the cuMemAlloc
// allocation holding its first byte. A GPU would fault (CUDA_ERROR_ILLEGAL_ADDRESS at the next
// synchronisation); the fakes refuse instead, before touching the memory, and say why on stderr. A handle
// remembers the device whose context was current when it was made and refuses to run in another's. Without
// the emulated driver (host memory in the fakes' own tests) nothing can be checked and everything passes.
#pragma once

#include <dlfcn.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>

namespace emu_bounds {

typedef int (*AddressRange)(unsigned long long *base, size_t *size, unsigned long long ptr);

/** cuMemGetAddressRange_v2 of the libcuda.so.1 already loaded, or null (looked up again until found). */
inline AddressRange addressRange() {
    static AddressRange found = nullptr;
    if (found == nullptr) {
        void *driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
        if (driver != nullptr) {
            found = reinterpret_cast<AddressRange>(dlsym(driver, "cuMemGetAddressRange_v2"));
        }
    }
    return found;
}

/** The device of the context current on this thread; -1 without the emulated driver or a current context. */
inline int currentDevice() {
    typedef int (*CtxGetDevice)(int *device);
    static CtxGetDevice found = nullptr;
    if (found == nullptr) {
        void *driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
        if (driver != nullptr) {
            found = reinterpret_cast<CtxGetDevice>(dlsym(driver, "cuCtxGetDevice"));
        }
    }
    int device = -1;
    return found != nullptr && found(&device) == 0 ? device : -1;
}

/** False, with a report, when a handle made on device {@code made} is used while another device is current. */
inline bool sameDevice(int made, const char *lib, const char *call) {
    int now = currentDevice();
    if (made < 0 || now < 0 || made == now) {
        return true;
    }
    std::fprintf(stderr, "CUDA emulator (%s): %s with a handle made on device %d while device %d's context is current\n",
                 lib, call, made, now);
    return false;
}

/** False, with a report naming {@code lib} and {@code what}, when [p, p + bytes) is not inside one allocation. */
inline bool inside(const void *p, size_t bytes, const char *lib, const char *what) {
    AddressRange range = addressRange();
    if (p == nullptr || bytes == 0 || range == nullptr) {
        return true;
    }
    unsigned long long base = 0;
    size_t size = 0;
    auto at = static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(p));
    int r = range(&base, &size, at);
    if (r == 500) {  // CUDA_ERROR_NOT_FOUND
        std::fprintf(stderr, "CUDA emulator (%s): %s at 0x%llx is not device memory allocated by cuMemAlloc\n", lib,
                     what, at);
        return false;
    }
    if (r != 0) {
        return true;  // no current context (or a driver without the query): nothing to check against
    }
    if (at + bytes > base + size) {
        std::fprintf(stderr,
                     "CUDA emulator (%s): %s of %zu bytes at 0x%llx runs %llu bytes past the end of its allocation "
                     "of %zu bytes\n",
                     lib, what, bytes, at, at + bytes - base - size, size);
        return false;
    }
    return true;
}

}  // namespace emu_bounds
