import type { PixelRange } from "../data/dataset.js";

/** The ends of a pixel range. */
export const rangeBounds = (range: PixelRange): [number, number] => (range === "[-1,1]" ? [-1, 1] : [0, 1]);

/**
 * A pixel value in `[lo, hi]` as the byte a PNG or uint8 IDX file stores: clipped, scaled to
 * 0..255, rounded. One function for both, so a saved grid and an evaluated sample agree.
 */
export const toByte = (value: number, lo: number, hi: number): number => Math.round(Math.min(1, Math.max(0, (value - lo) / (hi - lo))) * 255);
