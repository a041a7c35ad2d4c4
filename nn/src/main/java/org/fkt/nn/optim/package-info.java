/**
 * Optimizers and learning-rate schedules.
 *
 * <ul>
 *   <li>{@link org.fkt.nn.optim.Optimizer}: step, zero/clear gradients, learning rate or
 *       {@link org.fkt.nn.optim.Schedule}, checkpoint state ({@link org.fkt.nn.optim.OptimizerState}).</li>
 *   <li>{@link org.fkt.nn.optim.Sgd}: torch.optim.SGD semantics.</li>
 *   <li>{@link org.fkt.nn.optim.Lars}: LARS as SimCLR uses it, with BatchNorm parameters and biases
 *       (rank-1 tensors by default) kept out of weight decay and of the trust ratio.</li>
 *   <li>{@link org.fkt.nn.optim.OptimizerGroups}: several optimizers over disjoint parameter subsets
 *       stepped as one (LARS for encoder and projection head, SGD for the classifier).</li>
 * </ul>
 *
 * <pre>{@code
 * Map<String, Tensor> params = model.parameters();
 * try (Optimizer opt = Sgd.builder(params).momentum(0.9).weightDecay(5e-4)
 *         .schedule(Schedule.multiStep(0.1, 0.1, 30 * stepsPerEpoch, 60 * stepsPerEpoch)).build()) {
 *     for (Batch b : loader) {
 *         try (var step = MemoryScope.open()) {
 *             opt.zeroGrad();
 *             model.loss(b).backward();
 *             opt.step();
 *         }
 *     }
 * }
 * }</pre>
 *
 * Every optimizer makes one backend call per step and device ({@code Backend.sgdStep} /
 * {@code Backend.larsStep}) over all its tensors, so a GPU backend can fuse the update.
 */
package org.fkt.nn.optim;
