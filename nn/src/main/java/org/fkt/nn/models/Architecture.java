package org.fkt.nn.models;

import java.util.Locale;

/** The ResNet depths of the paper: blocks per stage and the block type. */
public enum Architecture {
    RESNET18(new int[] {2, 2, 2, 2}, false),
    RESNET34(new int[] {3, 4, 6, 3}, false),
    RESNET50(new int[] {3, 4, 6, 3}, true);

    private final int[] blocks;
    private final boolean bottleneck;

    Architecture(int[] blocks, boolean bottleneck) {
        this.blocks = blocks;
        this.bottleneck = bottleneck;
    }

    /** Blocks in layer1..layer4. */
    public int blocks(int stage) {
        return blocks[stage];
    }

    public boolean bottleneck() {
        return bottleneck;
    }

    /** Channels multiplier of a block's output (4 for Bottleneck, 1 for BasicBlock). */
    public int expansion() {
        return bottleneck ? 4 : 1;
    }

    /** Width of the encoder's output features (512 or 2048). */
    public int featureWidth() {
        return 512 * expansion();
    }

    /** Parses "resnet18", "resnet34", "resnet50". */
    public static Architecture parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown architecture '" + name + "': expected resnet18, resnet34 or resnet50", e);
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
