package org.fkt.data;

/**
 * Every dataset problem found before training starts: a missing path, an unknown or mixed layout, an empty
 * class folder, a CSV row naming a missing image, a class whose every image is unreadable, an unusable
 * cache folder. The message always names the file or folder at fault.
 */
public class DataException extends RuntimeException {
    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
