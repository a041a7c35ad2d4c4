/** The training objectives of the two regimes (supervised, contrastive, joint) as one forward pass each. */
package org.fkt.nn.objective;
