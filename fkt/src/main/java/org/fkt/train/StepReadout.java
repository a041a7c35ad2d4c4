package org.fkt.train;

import org.fkt.engine.autograd.Autograd;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.ops.Ops;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.objective.StepResult;

/**
 * What a training step needs on the host — the loss, its contrastive and supervised terms and the
 * predicted classes — gathered on the step's device into one vector and read with one device-to-host
 * copy: on a GPU the step's only synchronisation. The vector has the loss's type (float32, or float64
 * in a reference run), which holds class indices exactly, so the values equal separate reads.
 */
final class StepReadout {
    /** The host values; a term the objective lacks is NaN, predicted is null without logits. */
    record Values(double loss, double contrastive, double supervised, int[] predicted) {
    }

    private StepReadout() {
    }

    static Values read(StepResult r) {
        Tensor loss = r.loss();
        DType type = loss.dtype();
        try (var scope = MemoryScope.open(); var off = Autograd.noGrad()) {
            Tensor contrastive = r.contrastiveLoss();
            Tensor supervised = r.supervisedLoss();
            Tensor logits = r.logits();                                      // (B, classes) or null
            int parts = 1 + (contrastive != null ? 1 : 0) + (supervised != null ? 1 : 0) + (logits != null ? 1 : 0);
            Tensor[] pieces = new Tensor[parts];
            int k = 0;
            pieces[k++] = scalar(loss);
            if (contrastive != null) {
                pieces[k++] = scalar(contrastive);
            }
            if (supervised != null) {
                pieces[k++] = scalar(supervised);
            }
            if (logits != null) {
                pieces[k] = Ops.argmax(logits.detach()).to(type);          // (B)
            }
            double[] v = (pieces.length == 1 ? pieces[0] : Tensor.cat(pieces)).toDoubleArray();
            int at = 1;
            double c = contrastive != null ? v[at++] : Double.NaN;
            double s = supervised != null ? v[at++] : Double.NaN;
            int[] predicted = null;
            if (logits != null) {
                predicted = new int[v.length - at];
                for (int i = 0; i < predicted.length; i++) {
                    predicted[i] = (int) v[at + i];
                }
            }
            return new Values(v[0], c, s, predicted);
        }
    }

    /** A one-element loss as a (1) vector of the readout's type. */
    private static Tensor scalar(Tensor t) {
        return t.detach().view(1);
    }
}
