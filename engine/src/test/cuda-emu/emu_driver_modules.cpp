// Fake CUDA driver of the CPU emulator, part two: modules, functions and kernel launches. A module's image
// is only checked to look like a fatbin, an ELF cubin or PTX; its kernels come from the emulator's kernel
// table (fkt_emu::find_kernel), one Function per device and name. Launches run synchronously through
// fkt_emu::launch; dynamic shared memory and `extra` are refused. The rest of the driver is emu_driver.cpp.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>

#include "emu_driver.h"

namespace fkt_emu_driver {

namespace {

std::set<Module*> modules;
std::map<std::string, Function*> functions;

// A module image: a fatbin (magic 0xba55ed50), an ELF cubin, or PTX text.
bool looks_like_image(const void* image) {
    const auto* b = static_cast<const unsigned char*>(image);
    std::uint32_t magic;
    std::memcpy(&magic, b, 4);
    return magic == 0xba55ed50u || std::memcmp(b, "\x7f" "ELF", 4) == 0 || std::strstr((const char*)b, ".version") != nullptr;
}

}  // namespace

}  // namespace fkt_emu_driver

using namespace fkt_emu_driver;

API CUresult cuModuleLoadData(Module** module, const void* image) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    CUresult r = ready();
    if (r != CUDA_SUCCESS) {
        return r;
    }
    if (module == nullptr || image == nullptr) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (!looks_like_image(image)) {
        std::fprintf(stderr, "CUDA emulator: cuModuleLoadData: the image is neither a fatbin, an ELF cubin nor PTX\n");
        return CUDA_ERROR_INVALID_IMAGE;
    }
    *module = new Module{current};
    modules.insert(*module);
    return CUDA_SUCCESS;
}

API CUresult cuModuleLoadDataEx(Module** module, const void* image, unsigned, void*, void**) {
    return cuModuleLoadData(module, image);
}

API CUresult cuModuleLoadFatBinary(Module** module, const void* image) {
    return cuModuleLoadData(module, image);
}

API CUresult cuModuleUnload(Module* module) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    if (modules.erase(module) == 0) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    delete module;
    return CUDA_SUCCESS;
}

API CUresult cuModuleGetFunction(Function** function, Module* module, const char* name) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    CUresult r = ready();
    if (r != CUDA_SUCCESS) {
        return r;
    }
    if (function == nullptr || name == nullptr) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (modules.count(module) == 0) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    if (module->ctx != current) {
        report_foreign("cuModuleGetFunction: a module", module->ctx);
        return CUDA_ERROR_INVALID_HANDLE;
    }
    fkt_emu::Thunk t = fkt_emu::find_kernel(name);
    if (t == nullptr) {
        return CUDA_ERROR_NOT_FOUND;
    }
    Function*& f = functions[std::to_string(current->device) + "/" + name];
    if (f == nullptr) {
        f = new Function{name, t, current};
    }
    *function = f;
    return CUDA_SUCCESS;
}

API CUresult cuLaunchKernel(Function* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                            unsigned bz, unsigned shared, Stream* stream, void** params, void** extra) {
    std::lock_guard<std::recursive_mutex> g(mutex);
    CUresult r = ready();
    if (r != CUDA_SUCCESS) {
        return r;
    }
    if (f == nullptr || !valid_stream(stream)) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    if (f->ctx != current) {
        report_foreign(("launch of " + f->name + ": a function").c_str(), f->ctx);
        return CUDA_ERROR_INVALID_HANDLE;
    }
    if (shared != 0 || extra != nullptr) {
        std::fprintf(stderr, "CUDA emulator: launch of %s: dynamic shared memory and `extra` are not emulated\n",
                     f->name.c_str());
        return CUDA_ERROR_NOT_SUPPORTED;
    }
    dim3 grid{gx, gy, gz};
    dim3 block{bx, by, bz};
    std::string error = fkt_emu::launch(f->name.c_str(), f->thunk, grid, block, params);
    return error.empty() ? CUDA_SUCCESS : CUDA_ERROR_LAUNCH_FAILED;
}
