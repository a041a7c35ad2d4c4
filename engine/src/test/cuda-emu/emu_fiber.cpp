// Stack switching of the CPU emulator's fibers (emu_fiber.h). Unusual choice: on x86-64 fibers switch
// through a small assembly routine instead of swapcontext, because glibc's swapcontext makes a sigprocmask
// system call on every switch and an emulated launch switches once or more per CUDA thread; other
// architectures use ucontext.
#include "emu_fiber.h"

#include <cstdint>

#if defined(__x86_64__)
extern "C" void fkt_emu_switch(void** save_sp, void* next_sp);
#endif

namespace fkt_emu {

namespace {

#if defined(__x86_64__)
void* scheduler_sp;
// Saves the callee-saved registers, MXCSR and the x87 control word on the current stack, stores the stack
// pointer in *save_sp, and resumes the stack next_sp saved the same way.
asm(R"(
    .text
    .p2align 4
    .type fkt_emu_switch, @function
fkt_emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size fkt_emu_switch, .-fkt_emu_switch
)");
#else
ucontext_t scheduler_context;
#endif

}  // namespace

void to_scheduler(FiberImpl* f) {
#if defined(__x86_64__)
    fkt_emu_switch(&f->sp, scheduler_sp);
#else
    swapcontext(&f->context, &scheduler_context);
#endif
}

void start_fiber(FiberImpl* f, void (*entry)()) {
#if defined(__x86_64__)
    auto top = reinterpret_cast<std::uintptr_t>(f->stack + kStackBytes) & ~std::uintptr_t(15);
    auto* w = reinterpret_cast<std::uint64_t*>(top);
    w[-1] = 0;                                                // entry's (never used) return address
    w[-2] = reinterpret_cast<std::uint64_t>(entry);           // where the switch's ret goes
    for (int i = 3; i <= 8; i++) {
        w[-i] = 0;                                            // rbp rbx r12 r13 r14 r15
    }
    w[-9] = 0x1f80ull | (0x037full << 32);                    // default MXCSR, x87 control word
    f->sp = &w[-9];
#else
    getcontext(&f->context);
    f->context.uc_stack.ss_sp = f->stack;
    f->context.uc_stack.ss_size = kStackBytes;
    f->context.uc_link = nullptr;
    makecontext(&f->context, entry, 0);
#endif
}

void resume(FiberImpl* f) {
    current_fiber = f;
#if defined(__x86_64__)
    fkt_emu_switch(&scheduler_sp, f->sp);
#else
    swapcontext(&scheduler_context, &f->context);
#endif
}

}  // namespace fkt_emu
