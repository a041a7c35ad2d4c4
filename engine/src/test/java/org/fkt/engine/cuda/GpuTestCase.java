package org.fkt.engine.cuda;

import java.util.Optional;
import org.fkt.engine.memory.MemoryScope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Base of the GPU-versus-CPU test classes: skips each test, printing why, where no CUDA device is usable
 * ({@link GpuCheck#assumeGpu}); gives it a {@link GpuCheck} seeded from the environment variable
 * FKT_TEST_SEED or the clock, and prints that seed when the test fails, so the failing inputs can be
 * drawn again; closes the test's memory scope afterwards.
 */
abstract class GpuTestCase {
    protected GpuCheck g;
    protected long seed;
    private MemoryScope scope;

    @RegisterExtension
    final TestWatcher seedOnFailure = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            System.out.println(context.getDisplayName() + " failed with seed " + seed + " (rerun with FKT_TEST_SEED="
                    + seed + ")");
        }

        @Override
        public void testDisabled(ExtensionContext context, Optional<String> reason) {
        }
    };

    @BeforeEach
    void openGpuCheck() {
        GpuCheck.assumeGpu();
        String fixed = System.getenv("FKT_TEST_SEED");
        seed = fixed != null ? Long.parseLong(fixed) : System.nanoTime();
        g = new GpuCheck(seed);
        scope = MemoryScope.open();
    }

    @AfterEach
    void closeScope() {
        if (scope != null) {
            scope.close();
        }
    }
}
