/**
 * Class activation maps for the paper's qualitative figure: {@link org.fkt.cam.GradCam} on a ResNet's
 * last stage, {@link org.fkt.cam.CamOverlay} (jet heatmap blended over the image, "original | overlay"
 * PNG) and {@link org.fkt.cam.CamImages} (decoding, resizing and normalising input images).
 */
package org.fkt.cam;
