// Kernel table of the CPU emulator of a CUDA device: the registration units that build.sh generates add
// every __global__ function of src/main/cuda at library load, and the fake driver looks kernels up here by
// name. Also counts the launches per kernel for FKT_EMU_STATS.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "emu_runtime.h"

namespace fkt_emu {

namespace {

// Never destroyed, so that it outlives every static destructor (the stats below read it at exit).
std::map<std::string, Thunk>& table() {
    static auto* t = new std::map<std::string, Thunk>();
    return *t;
}

// Launches per kernel; with FKT_EMU_STATS=FILE, written to FILE when the library is unloaded (at exit),
// with the kernels never launched, so a test run shows which kernels it exercised.
struct Stats {
    // never freed: other threads of the process may still launch while the exit handlers run
    std::map<std::string, unsigned long long>& launches = *new std::map<std::string, unsigned long long>();
    ~Stats() {
        const char* path = std::getenv("FKT_EMU_STATS");
        std::FILE* f = path != nullptr ? std::fopen(path, "a") : nullptr;
        if (f == nullptr) {
            return;
        }
        std::string never;
        for (auto& [name, thunk] : table()) {
            (void)thunk;
            auto it = launches.find(name);
            if (it == launches.end()) {
                never += " " + name;
            } else {
                std::fprintf(f, "%8llu launches of %s\n", it->second, name.c_str());
            }
        }
        std::fprintf(f, "never launched:%s\n", never.empty() ? " (none)" : never.c_str());
        std::fclose(f);
    }
};
Stats stats;

}  // namespace

Registrar::Registrar(const char* name, Thunk thunk) {
    if (!table().emplace(name, thunk).second) {
        std::fprintf(stderr, "CUDA emulator: kernel %s is registered twice\n", name);
    }
}

Thunk find_kernel(const char* name) {
    auto it = table().find(name);
    return it == table().end() ? nullptr : it->second;
}

int kernel_count() {
    return (int)table().size();
}

void count_launch(const char* name) {
    stats.launches[name]++;
}

}  // namespace fkt_emu
