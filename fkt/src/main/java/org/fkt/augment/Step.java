package org.fkt.augment;

import java.util.random.RandomGenerator;
import org.fkt.data.Image;

/** The two kinds of pipeline stage: a source that renders the uint8 image at (3, S, S), and in-place float steps. */
sealed interface Step permits Step.Source, Step.Transform {
    /** What the step does, with its parameters. */
    String describe();

    /** Renders the image into {@code ws.image} as (3, S, S) floats in [0, 1]. */
    non-sealed interface Source extends Step {
        void render(Image image, RandomGenerator random, Workspace ws);
    }

    /** Changes {@code ws.image} in place. */
    non-sealed interface Transform extends Step {
        void apply(Workspace ws, RandomGenerator random);
    }
}
