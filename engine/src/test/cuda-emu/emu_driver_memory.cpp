// Device memory of the fake CUDA driver of the CPU emulator: cuMemAlloc and friends (device pointers are
// host addresses, 256-byte aligned; new memory is filled with 0xff bytes, NaN as floats; 256 canary bytes
// follow every allocation and are checked at free and at every synchronisation), pinned host memory, and
// copies and memsets, each refused unless it lies inside one live allocation of the current context's device.
// Each device's size is total_memory(); allocations beyond it fail with CUDA_ERROR_OUT_OF_MEMORY.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>

#include "emu_driver.h"

namespace fkt_emu_driver {

namespace {

std::map<CUdeviceptr, Allocation> allocations;
std::set<void*> pinned;
std::size_t used[16];

// Whether allocation `a` is the current context's device's; reports where it is not.
bool on_current_device(CUdeviceptr ptr, const Allocation& a, const char* what) {
    if (current != nullptr && a.device == current->device) {
        return true;
    }
    std::fprintf(stderr,
                 "CUDA emulator: %s at 0x%llx: the memory is device %d's but device %d's context is current (no peer "
                 "access is emulated)\n",
                 what, ptr, a.device, current == nullptr ? -1 : current->device);
    return false;
}

// Verifies one allocation's canary; false (and a report) when something wrote past its end.
bool canary_intact(CUdeviceptr ptr, const Allocation& a, const char* when) {
    const auto* c = reinterpret_cast<const unsigned char*>(ptr + a.size);
    for (std::size_t i = 0; i < kCanary; i++) {
        if (c[i] != kCanaryByte) {
            std::fprintf(stderr,
                         "CUDA emulator: device memory written past the end of an allocation of %zu bytes at 0x%llx "
                         "(byte %zu past the end changed; found at %s)\n",
                         a.size, ptr, i, when);
            return false;
        }
    }
    return true;
}

// Whether [ptr, ptr + bytes) lies inside one live allocation; reports where it does not.
bool inside(CUdeviceptr ptr, std::size_t bytes, const char* what) {
    auto it = allocations.upper_bound(ptr);
    if (it != allocations.begin()) {
        --it;
        if (ptr >= it->first && ptr + bytes <= it->first + it->second.size) {
            return on_current_device(ptr, it->second, what);
        }
        if (ptr < it->first + it->second.size) {
            std::fprintf(stderr,
                         "CUDA emulator: %s of %zu bytes at 0x%llx runs %llu bytes past the end of its allocation of "
                         "%zu bytes\n",
                         what, bytes, ptr, (unsigned long long)(ptr + bytes - it->first - it->second.size),
                         it->second.size);
            return false;
        }
    }
    std::fprintf(stderr, "CUDA emulator: %s of %zu bytes at 0x%llx: not device memory allocated by cuMemAlloc\n", what,
                 bytes, ptr);
    return false;
}

CUresult allocate(CUdeviceptr* out, std::size_t bytes) {
    if (out == nullptr) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (bytes == 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    const std::size_t rounded = (bytes + kAlign - 1) / kAlign * kAlign;
    const int device = current->device;
    if (used[device] + rounded > total_memory()) {
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    void* base = std::malloc(bytes + kCanary + kAlign);
    if (base == nullptr) {
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    CUdeviceptr p = ((CUdeviceptr)(std::uintptr_t)base + kAlign - 1) / kAlign * kAlign;
    std::memset(reinterpret_cast<void*>(p), 0xff, bytes);
    std::memset(reinterpret_cast<void*>(p + bytes), kCanaryByte, kCanary);
    allocations[p] = {bytes, base, device};
    used[device] += rounded;
    *out = p;
    return CUDA_SUCCESS;
}

CUresult release(CUdeviceptr p) {
    auto it = allocations.find(p);
    if (it == allocations.end()) {
        std::fprintf(stderr, "CUDA emulator: cuMemFree(0x%llx): not an allocation of cuMemAlloc (or freed twice)\n", p);
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (!on_current_device(p, it->second, "cuMemFree")) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    const bool ok = canary_intact(p, it->second, "cuMemFree");
    used[it->second.device] -= (it->second.size + kAlign - 1) / kAlign * kAlign;
    std::free(it->second.base);
    allocations.erase(it);
    return ok ? CUDA_SUCCESS : CUDA_ERROR_ILLEGAL_ADDRESS;
}

CUresult copy(void* dst, const void* src, std::size_t bytes) {
    if (bytes > 0) {
        std::memmove(dst, src, bytes);
    }
    return CUDA_SUCCESS;
}

CUresult copy_to_device(CUdeviceptr dst, const void* src, std::size_t bytes, Stream* s) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    CUresult r = ready();
    if (r != CUDA_SUCCESS) {
        return r;
    }
    if (!valid_stream(s) || (bytes > 0 && src == nullptr) || !inside(dst, bytes, "copy to the device")) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    return copy(reinterpret_cast<void*>(dst), src, bytes);
}

CUresult copy_to_host(void* dst, CUdeviceptr src, std::size_t bytes, Stream* s) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    CUresult r = ready();
    if (r != CUDA_SUCCESS) {
        return r;
    }
    if (!valid_stream(s) || (bytes > 0 && dst == nullptr) || !inside(src, bytes, "copy to the host")) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    return copy(dst, reinterpret_cast<void*>(src), bytes);
}

CUresult copy_on_device(CUdeviceptr dst, CUdeviceptr src, std::size_t bytes, Stream* s) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    CUresult r = ready();
    if (r != CUDA_SUCCESS) {
        return r;
    }
    if (!valid_stream(s) || !inside(dst, bytes, "device copy destination") || !inside(src, bytes, "device copy source")) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    return copy(reinterpret_cast<void*>(dst), reinterpret_cast<void*>(src), bytes);
}

template <class T>
CUresult fill(CUdeviceptr dst, T value, std::size_t n, Stream* s, const char* what) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    CUresult r = ready();
    if (r != CUDA_SUCCESS) {
        return r;
    }
    if (dst % sizeof(T) != 0) {
        std::fprintf(stderr, "CUDA emulator: %s at 0x%llx is not %zu-byte aligned\n", what, dst, sizeof(T));
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (!valid_stream(s) || !inside(dst, n * sizeof(T), what)) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    T* p = reinterpret_cast<T*>(dst);
    for (std::size_t i = 0; i < n; i++) {
        p[i] = value;
    }
    return CUDA_SUCCESS;
}

}  // namespace

CUresult check_all(const char* when) {
    bool ok = true;
    for (auto& [ptr, a] : allocations) {
        if (!canary_intact(ptr, a, when)) {
            std::memset(reinterpret_cast<void*>(ptr + a.size), kCanaryByte, kCanary);  // report each overrun once
            ok = false;
        }
    }
    return ok ? CUDA_SUCCESS : CUDA_ERROR_ILLEGAL_ADDRESS;
}

}  // namespace fkt_emu_driver

using namespace fkt_emu_driver;

API CUresult cuMemAlloc_v2(CUdeviceptr* p, std::size_t bytes) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    CUresult r = ready();
    return r != CUDA_SUCCESS ? r : allocate(p, bytes);
}

API CUresult cuMemAllocAsync(CUdeviceptr* p, std::size_t bytes, Stream* stream) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    return valid_stream(stream) ? cuMemAlloc_v2(p, bytes) : CUDA_ERROR_INVALID_HANDLE;
}

API CUresult cuMemFree_v2(CUdeviceptr p) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    CUresult r = ready();
    return r != CUDA_SUCCESS ? r : p == 0 ? CUDA_SUCCESS : release(p);
}

API CUresult cuMemFreeAsync(CUdeviceptr p, Stream* stream) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    return valid_stream(stream) ? cuMemFree_v2(p) : CUDA_ERROR_INVALID_HANDLE;
}

// The allocation holding dptr; CUDA_ERROR_NOT_FOUND where dptr is not device memory, and (unlike a real driver,
// with a report) where it is another device's than the current context's. The fake cuBLAS and cuDNN
// (emu_bounds.h) ask it whether their operands lie inside their allocations.
API CUresult cuMemGetAddressRange_v2(CUdeviceptr* base, std::size_t* size, CUdeviceptr dptr) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    CUresult r = ready();
    if (r != CUDA_SUCCESS) {
        return r;
    }
    auto it = allocations.upper_bound(dptr);
    if (it == allocations.begin() || dptr >= std::prev(it)->first + std::prev(it)->second.size) {
        return CUDA_ERROR_NOT_FOUND;
    }
    --it;
    if (!on_current_device(dptr, it->second, "an operand of cuBLAS or cuDNN (cuMemGetAddressRange)")) {
        return CUDA_ERROR_NOT_FOUND;
    }
    if (base != nullptr) {
        *base = it->first;
    }
    if (size != nullptr) {
        *size = it->second.size;
    }
    return CUDA_SUCCESS;
}

API CUresult cuMemGetInfo_v2(std::size_t* free, std::size_t* total) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    CUresult r = ready();
    if (r != CUDA_SUCCESS) {
        return r;
    }
    if (free == nullptr || total == nullptr) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    *free = total_memory() - used[current->device];
    *total = total_memory();
    return CUDA_SUCCESS;
}

API CUresult cuMemAllocHost_v2(void** p, std::size_t bytes) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    CUresult r = ready();
    if (r != CUDA_SUCCESS) {
        return r;
    }
    if (p == nullptr || bytes == 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    *p = std::aligned_alloc(4096, (bytes + 4095) / 4096 * 4096);
    if (*p == nullptr) {
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    pinned.insert(*p);
    return CUDA_SUCCESS;
}

API CUresult cuMemHostAlloc(void** p, std::size_t bytes, unsigned) {
    return cuMemAllocHost_v2(p, bytes);
}

API CUresult cuMemFreeHost(void* p) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    if (pinned.erase(p) == 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    std::free(p);
    return CUDA_SUCCESS;
}

API CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void* src, std::size_t bytes) {
    return copy_to_device(dst, src, bytes, nullptr);
}

API CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void* src, std::size_t bytes, Stream* s) {
    return copy_to_device(dst, src, bytes, s);
}

API CUresult cuMemcpyDtoH_v2(void* dst, CUdeviceptr src, std::size_t bytes) {
    return copy_to_host(dst, src, bytes, nullptr);
}

API CUresult cuMemcpyDtoHAsync_v2(void* dst, CUdeviceptr src, std::size_t bytes, Stream* s) {
    return copy_to_host(dst, src, bytes, s);
}

API CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, std::size_t bytes) {
    return copy_on_device(dst, src, bytes, nullptr);
}

API CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, std::size_t bytes, Stream* s) {
    return copy_on_device(dst, src, bytes, s);
}

API CUresult cuMemsetD8_v2(CUdeviceptr dst, unsigned char v, std::size_t n) {
    return fill<unsigned char>(dst, v, n, nullptr, "cuMemsetD8");
}

API CUresult cuMemsetD8Async(CUdeviceptr dst, unsigned char v, std::size_t n, Stream* s) {
    return fill<unsigned char>(dst, v, n, s, "cuMemsetD8Async");
}

API CUresult cuMemsetD16_v2(CUdeviceptr dst, unsigned short v, std::size_t n) {
    return fill<unsigned short>(dst, v, n, nullptr, "cuMemsetD16");
}

API CUresult cuMemsetD16Async(CUdeviceptr dst, unsigned short v, std::size_t n, Stream* s) {
    return fill<unsigned short>(dst, v, n, s, "cuMemsetD16Async");
}

API CUresult cuMemsetD32_v2(CUdeviceptr dst, unsigned v, std::size_t n) {
    return fill<unsigned>(dst, v, n, nullptr, "cuMemsetD32");
}

API CUresult cuMemsetD32Async(CUdeviceptr dst, unsigned v, std::size_t n, Stream* s) {
    return fill<unsigned>(dst, v, n, s, "cuMemsetD32Async");
}
