package org.fkt.train;

import java.util.Locale;

/**
 * How the joint stage steps its parameters. {@link #SPLIT} is the paper's reading: LARS (lr 0.001) for the
 * encoder and projection head, SGD (lr 0.025) for the classifier, as two parameter groups.
 * {@link #LARS} and {@link #SGD} step every parameter with one optimizer. Pretraining always uses LARS
 * and fine-tuning always SGD.
 */
public enum OptimizerMode {
    SPLIT, LARS, SGD;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static OptimizerMode parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown optimizer mode '" + name + "': expected split, lars or sgd", e);
        }
    }
}
