/**
 * Files of a run written safely and read back: {@link org.fkt.io.AtomicFiles} (temporary file, then rename)
 * and {@link org.fkt.io.Json} (the records' writer and parser).
 */
package org.fkt.io;
