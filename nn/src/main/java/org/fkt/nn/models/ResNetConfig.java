package org.fkt.nn.models;

/**
 * What to build: depth, stem, classifier width (0: no classifier) and projection head widths
 * (out 0: no projector; SimCLR's default is hidden = feature width, out = 128).
 */
public record ResNetConfig(Architecture architecture, Stem stem, int classes, int projectionHidden, int projectionOut) {
    public ResNetConfig {
        if (classes < 0 || projectionOut < 0 || projectionOut > 0 && projectionHidden < 1) {
            throw new IllegalArgumentException("resnet: classes and projection widths must be >= 0 (hidden >= 1 with a"
                    + " projector), got classes " + classes + ", hidden " + projectionHidden + ", out " + projectionOut);
        }
    }

    /** Both heads, with SimCLR's default projector (hidden = feature width, out = 128). */
    public static ResNetConfig withHeads(Architecture architecture, Stem stem, int classes) {
        return new ResNetConfig(architecture, stem, classes, architecture.featureWidth(), 128);
    }
}
