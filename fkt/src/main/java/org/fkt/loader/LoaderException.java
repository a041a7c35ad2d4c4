package org.fkt.loader;

/** A failure while building a batch (a dataset read or an augmentation), naming the epoch, batch and sample. */
public class LoaderException extends RuntimeException {
    public LoaderException(String message, Throwable cause) {
        super(message, cause);
    }
}
