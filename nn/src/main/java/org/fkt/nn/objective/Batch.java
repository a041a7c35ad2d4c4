package org.fkt.nn.objective;

import org.fkt.engine.tensor.Tensor;

/**
 * The inputs of one step. images: (N, 3, H, W) and labels: int32 (N) for the supervised term;
 * view1, view2: (N, 3, H, W) for the contrastive term. Unused members may be null.
 */
public record Batch(Tensor images, Tensor labels, Tensor view1, Tensor view2) {
}
