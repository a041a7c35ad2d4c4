package org.fkt.nn.models;

import java.util.Locale;

/**
 * The first layers of a ResNet: ImageNet's 7x7 stride-2 convolution and 3x3 max-pool (for 224x224
 * inputs), or the CIFAR variant's 3x3 stride-1 convolution without max-pool (for 32x32 inputs).
 */
public enum Stem {
    IMAGENET,
    CIFAR;

    /** Parses "imagenet" or "cifar". */
    public static Stem parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown stem '" + name + "': expected imagenet or cifar", e);
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
