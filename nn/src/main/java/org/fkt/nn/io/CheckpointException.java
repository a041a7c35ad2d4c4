package org.fkt.nn.io;

import java.nio.file.Path;

/**
 * A checkpoint could not be read, written or loaded. Unchecked, because a bad or missing checkpoint
 * is not something a caller can usually recover from locally; I/O failures arrive as the cause.
 * The message always starts with the file ("/runs/a/model.safetensors: ...") and names the tensor
 * where one is involved.
 */
public final class CheckpointException extends RuntimeException {
    private final transient Path file;

    /** A failure about {@code file}, described by {@code problem}. */
    public CheckpointException(Path file, String problem) {
        this(file, problem, null);
    }

    /** A failure about {@code file}, described by {@code problem}, caused by {@code cause}. */
    public CheckpointException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The checkpoint file concerned. */
    public Path file() {
        return file;
    }
}
