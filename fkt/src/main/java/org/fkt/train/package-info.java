/**
 * Training one stage: its settings ({@link org.fkt.train.TrainSettings}), its optimizers
 * ({@link org.fkt.train.StageOptimizers}), the step loop with evaluation, checkpoints and exact resume
 * ({@link org.fkt.train.Trainer}, {@link org.fkt.train.Checkpoints}), the finite-loss guard and Ctrl-C
 * handling. Data arrives through {@link org.fkt.train.EpochSource}; nothing here knows file formats.
 */
package org.fkt.train;
