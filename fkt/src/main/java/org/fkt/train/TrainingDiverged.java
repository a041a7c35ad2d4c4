package org.fkt.train;

import java.nio.file.Path;
import java.util.Locale;

/** The loss became NaN or infinite: the run stops, naming the step, the loss terms and the last good checkpoint. */
public final class TrainingDiverged extends RuntimeException {
    private final transient Path lastCheckpoint;

    public TrainingDiverged(Stage stage, int epoch, int batch, double loss, double contrastive, double supervised,
                            Path lastCheckpoint) {
        super(String.format(Locale.ROOT, "%s: the loss is not finite at epoch %d, batch %d (loss %s, contrastive %s,"
                        + " supervised %s); stopped before the optimizer step. Last good checkpoint: %s",
                stage.label(), epoch, batch, loss, contrastive, supervised,
                lastCheckpoint == null ? "none (diverged in the first epoch)" : lastCheckpoint));
        this.lastCheckpoint = lastCheckpoint;
    }

    /** The checkpoint folder holding the last good state, or null. */
    public Path lastCheckpoint() {
        return lastCheckpoint;
    }
}
