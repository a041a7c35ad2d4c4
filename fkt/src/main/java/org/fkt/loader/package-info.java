/**
 * Batch loading: a {@link org.fkt.loader.Loader} turns a {@link org.fkt.data.Dataset} into epochs of
 * augmented {@link org.fkt.loader.HostBatch}es built by worker threads ahead of the training step
 * (bounded prefetch, delivered in order, closed cleanly), and converts them to the step's
 * {@link org.fkt.nn.objective.Batch}. All randomness derives from (seed, epoch, sample index, stream)
 * through {@link org.fkt.loader.SampleRandom}, so results do not depend on the number of workers and a
 * run resumed at a batch continues exactly as the uninterrupted run would.
 */
package org.fkt.loader;
