package org.fkt.train;

import java.util.Locale;
import org.fkt.nn.objective.Objective;

/**
 * The three trainings of the paper. Representational transfer is {@link #PRETRAIN} (SimCLR: NT-Xent,
 * LARS) followed by {@link #FINETUNE} (cross-entropy, SGD, from the pretrained encoder); functional
 * transfer is one {@link #JOINT} training of L = L_NT-Xent + lambda * L_CE.
 */
public enum Stage {
    PRETRAIN(Objective.CONTRASTIVE),
    FINETUNE(Objective.SUPERVISED),
    JOINT(Objective.JOINT);

    private final Objective objective;

    Stage(Objective objective) {
        this.objective = objective;
    }

    public Objective objective() {
        return objective;
    }

    /** Whether the stage trains the classifier, so test accuracy is meaningful after it. */
    public boolean classifies() {
        return objective.hasSupervised();
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Stage parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown stage '" + name + "': expected pretrain, finetune or joint", e);
        }
    }
}
