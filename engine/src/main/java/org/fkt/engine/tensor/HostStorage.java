package org.fkt.engine.tensor;

import java.lang.foreign.MemorySegment;

/** Storage that lives in host memory and can be read directly (the CPU backend's, pinned buffers). */
public interface HostStorage {
    /** The whole block as a segment. */
    MemorySegment hostSegment();
}
