/**
 * Neural-network building blocks over the engine: modules with named parameters and buffers, the
 * ResNets with torchvision names, projection and classifier heads, losses, optimizers, schedules and
 * safetensors checkpoints. (Filled by the models issue; the engine's ops are usable directly meanwhile.)
 */
package org.fkt.nn;
