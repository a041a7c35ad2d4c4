package org.fkt.augment;

/** Scratch buffers of one thread running a pipeline: the working image (3, S, S) and a growable temporary. */
final class Workspace {
    final int size;
    final float[] image;   // (3, S, S), values in [0, 1] between steps
    private float[] scratch = new float[0];

    Workspace(int size) {
        this.size = size;
        this.image = new float[3 * size * size];
    }

    int plane() {
        return size * size;
    }

    /** A temporary of at least n floats (contents undefined). */
    float[] scratch(int n) {
        if (scratch.length < n) {
            scratch = new float[n];
        }
        return scratch;
    }
}
