// A stand-in parity class (not run by surefire: its name is no test name) with one pass, one skip, one failure.
package org.fkt.nativecheck;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("gpu")
class GpuParityFixture {

    @Test
    void agrees() {
        assertEquals(4, 2 + 2);
    }

    @Test
    void skipsWithoutDevice() {
        Assumptions.assumeTrue(false, "no CUDA device");
    }

    @Test
    void disagrees() {
        assertEquals(1.0f, 1.5f, 1e-5f, "conv2d forward max rel err");
    }

    @Test
    @Tag("slow")
    void moreTagsStillRun() {
        assertEquals(0, 0);
    }
}
