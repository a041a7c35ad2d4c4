package org.fkt.nn.objective;

import java.util.Locale;

/** What a training step minimises: cross-entropy, NT-Xent, or the paper's joint sum. */
public enum Objective {
    /** Cross-entropy of the classifier on labelled images. */
    SUPERVISED,
    /** NT-Xent of the projection head on two views of each image. */
    CONTRASTIVE,
    /** L = L_NT-Xent + lambda * L_CE on a shared encoder (functional transfer). */
    JOINT;

    public boolean hasSupervised() {
        return this != CONTRASTIVE;
    }

    public boolean hasContrastive() {
        return this != SUPERVISED;
    }

    public static Objective parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown objective '" + name + "': expected supervised, contrastive or joint", e);
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
