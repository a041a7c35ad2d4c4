package org.fkt.train;

import org.fkt.engine.autograd.Autograd;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.ops.Ops;
import org.fkt.nn.models.ResNet;
import org.fkt.report.Metrics;

/**
 * Test-set evaluation: the classifier in evaluation mode (BatchNorm running statistics), without
 * gradients, over every test image once; top-1 accuracy, macro precision and recall, confusion matrix.
 */
public final class Evaluator {
    private final EpochSource test;
    private final int classes;

    /** {@code test} yields the test images with labels, deterministically, without augmentation. */
    public Evaluator(EpochSource test, int classes) {
        this.test = test;
        this.classes = classes;
    }

    public Metrics evaluate(ResNet model) {
        boolean wasTraining = model.isTraining();
        model.eval();
        int total = Math.toIntExact(test.samplesPerEpoch());
        int[] predicted = new int[total];
        int[] truth = new int[total];
        int seen = 0;
        try (var off = Autograd.noGrad(); EpochSource.Feed feed = test.open(0, 0)) {
            while (feed.hasNext()) {
                try (var scope = MemoryScope.open()) {
                    EpochSource.StepInput in = feed.next();
                    int[] p = Ops.argmax(model.forward(in.batch().images())).toIntArray();
                    System.arraycopy(p, 0, predicted, seen, in.size());
                    System.arraycopy(in.labels(), 0, truth, seen, in.size());
                    seen += in.size();
                }
            }
        } finally {
            model.train(wasTraining);
        }
        if (seen != total) {
            throw new IllegalStateException("evaluation: saw " + seen + " test images, expected " + total);
        }
        return Metrics.of(predicted, truth, classes);
    }
}
