package org.fkt.augment;

import java.util.List;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import org.fkt.data.Image;

/** An {@link Augmentation} made of a source, a list of in-place transforms and a normalisation. */
final class Pipeline implements Augmentation {
    private final String name;
    private final int size;
    private final Step.Source source;
    private final List<Step.Transform> transforms;
    private final Normalization normalization;
    private final ThreadLocal<Workspace> workspaces;

    Pipeline(String name, int size, Step.Source source, List<Step.Transform> transforms, Normalization normalization) {
        if (size <= 0) {
            throw new IllegalArgumentException("augmentation " + name + ": image size must be positive, got " + size);
        }
        this.name = name;
        this.size = size;
        this.source = source;
        this.transforms = List.copyOf(transforms);
        this.normalization = normalization;
        this.workspaces = ThreadLocal.withInitial(() -> new Workspace(size));
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void apply(Image image, RandomGenerator random, float[] out, int offset) {
        if (offset < 0 || out.length - offset < 3 * size * size) {
            throw new IllegalArgumentException("augmentation " + name + ": output of " + out.length + " floats has no room for (3, "
                    + size + ", " + size + ") at offset " + offset);
        }
        Workspace ws = workspaces.get();
        source.render(image, random, ws);
        for (Step.Transform t : transforms) {
            t.apply(ws, random);
        }
        normalization.apply(ws.image, ws.plane(), out, offset);
    }

    @Override
    public String describe() {
        String steps = java.util.stream.Stream.concat(java.util.stream.Stream.of(source), transforms.stream())
                .map(Step::describe).collect(Collectors.joining(", "));
        return name + " " + size + "x" + size + ": " + steps + ", normalize " + normalization;
    }

    @Override
    public String toString() {
        return describe();
    }
}
