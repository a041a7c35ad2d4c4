package org.fkt.nn.optim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.fkt.engine.tensor.Tensor;

/**
 * A snapshot of an optimizer's state for checkpoints: the number of steps taken and the momentum
 * buffers keyed by parameter name (only parameters that have state). Closing it closes the tensors.
 */
public record OptimizerState(long step, Map<String, Tensor> buffers) implements AutoCloseable {
    public OptimizerState {
        if (step < 0) {
            throw new IllegalArgumentException("optimizer state: step count must be >= 0, got " + step);
        }
        if (buffers == null) {
            throw new IllegalArgumentException("optimizer state: buffers are null (use an empty map)");
        }
        buffers = Collections.unmodifiableMap(new LinkedHashMap<>(buffers));
        buffers.forEach((name, t) -> {
            if (name == null || t == null) {
                throw new IllegalArgumentException("optimizer state: null name or buffer (" + name + ")");
            }
        });
    }

    @Override
    public void close() {
        for (Tensor t : buffers.values()) {
            t.close();
        }
    }
}
