/**
 * Deterministic native memory: the aligned host allocator with live/peak counters and the ownership
 * scopes that free every tensor created in them.
 */
package org.fkt.engine.memory;
