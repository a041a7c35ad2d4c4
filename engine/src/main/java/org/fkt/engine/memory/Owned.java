package org.fkt.engine.memory;

/**
 * Something whose native memory a {@link MemoryScope} may own. A resource belongs to at most one
 * scope; the scope closes it unless it was moved elsewhere first.
 */
public interface Owned extends AutoCloseable {
    /** The scope that will close this, or null when the caller closes it. */
    MemoryScope owner();

    /** Records the new owning scope (null: none). Called by {@link MemoryScope} only. */
    void owner(MemoryScope scope);

    /** Releases the native memory; idempotent. */
    @Override
    void close();
}
