package org.fkt.nn.objective;

import org.fkt.engine.tensor.Tensor;

/**
 * The forward results of one step: the total loss and its terms (null where the objective has no
 * such term), the logits (N, classes) and the projections (2N, P).
 */
public record StepResult(Tensor loss, Tensor contrastiveLoss, Tensor supervisedLoss, Tensor logits, Tensor projections) {
}
