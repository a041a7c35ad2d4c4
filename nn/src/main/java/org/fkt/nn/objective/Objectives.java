package org.fkt.nn.objective;

import org.fkt.engine.ops.Ops;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.loss.NtXent;
import org.fkt.nn.models.ResNet;

/**
 * The forward pass of a training step for each objective, shared by the regimes and by
 * {@code fkt dump}. The contrastive term puts view1 and view2 through the encoder as one batch of
 * 2N (view1 first, BatchNorm statistics over both views, as the paper's code) and pairs row i with
 * row i+N. For the joint objective the contrastive forward runs first and the supervised forward of
 * the labelled images second, each updating the BatchNorm running statistics.
 */
public final class Objectives {
    private Objectives() {
    }

    /** Runs the forward pass; call {@code result.loss().backward()} for the gradients. */
    public static StepResult forward(ResNet model, Objective objective, Batch batch, double temperature, double lambda) {
        Tensor contrastive = null;
        Tensor projections = null;
        if (objective.hasContrastive()) {
            require(batch.view1(), "view1", objective);
            require(batch.view2(), "view2", objective);
            Tensor views = Tensor.cat(batch.view1(), batch.view2());
            projections = model.project(model.features(views));
            contrastive = NtXent.loss(projections, temperature);
        }
        Tensor supervised = null;
        Tensor logits = null;
        if (objective.hasSupervised()) {
            require(batch.images(), "images", objective);
            require(batch.labels(), "labels", objective);
            logits = model.forward(batch.images());
            supervised = Ops.crossEntropy(logits, batch.labels());
        }
        Tensor loss = switch (objective) {
            case SUPERVISED -> supervised;
            case CONTRASTIVE -> contrastive;
            case JOINT -> Ops.add(contrastive, 1, supervised, lambda);
        };
        return new StepResult(loss, contrastive, supervised, logits, projections);
    }

    private static void require(Tensor t, String name, Objective objective) {
        if (t == null) {
            throw new IllegalArgumentException("the " + objective.label() + " objective needs '" + name + "' in the batch");
        }
    }
}
