import { imageSet, type ImageSet } from "../data/image-set.js";
import { createRng, randomInt, standardNormal } from "../_internals/random.js";

/**
 * Corrupted copies of real images, for the metrics' reference values (docs/metrics.md) and for
 * tests that every metric worsens as images get worse.
 * @internal
 * @packageDocumentation
 */

const clampByte = (v: number): number => Math.min(255, Math.max(0, Math.round(v)));

/** Adds N(0, sigma²) noise (in units of the [0, 1] pixel range) to every pixel, then clips. @internal */
export function withGaussianNoise(set: ImageSet, sigma: number, seed = 0): ImageSet {
  const rng = createRng(seed);
  const pixels = set.pixels.map((p) => clampByte(p + 255 * sigma * standardNormal(rng)));
  return imageSet(pixels, { height: set.height, width: set.width, name: `${set.name} + noise ${sigma}`, ...(set.labels ? { labels: set.labels } : {}) });
}

/** A box blur of the given radius (a (2r+1)² mean, zero outside the image). @internal */
export function withBlur(set: ImageSet, radius: number): ImageSet {
  const { height: h, width: w } = set;
  const pixels = new Uint8Array(set.pixels.length);
  const area = (2 * radius + 1) ** 2;
  for (let n = 0; n < set.size; n++) {
    const o = n * h * w;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let sum = 0;
        for (let dy = -radius; dy <= radius; dy++) {
          for (let dx = -radius; dx <= radius; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy >= 0 && yy < h && xx >= 0 && xx < w) sum += set.pixels[o + yy * w + xx] ?? 0;
          }
        }
        pixels[o + y * w + x] = clampByte(sum / area);
      }
    }
  }
  return imageSet(pixels, { height: h, width: w, name: `${set.name} + blur ${radius}`, ...(set.labels ? { labels: set.labels } : {}) });
}

/** Blacks out a `size × size` square at a seeded random place in every image. @internal */
export function withOcclusion(set: ImageSet, size: number, seed = 0): ImageSet {
  const { height: h, width: w } = set;
  const rng = createRng(seed);
  const pixels = Uint8Array.from(set.pixels);
  for (let n = 0; n < set.size && size > 0; n++) {
    const top = randomInt(rng, 0, h - size);
    const left = randomInt(rng, 0, w - size);
    for (let y = top; y < top + size; y++) pixels.fill(0, n * h * w + y * w + left, n * h * w + y * w + left + size);
  }
  return imageSet(pixels, { height: h, width: w, name: `${set.name} + occlusion ${size}`, ...(set.labels ? { labels: set.labels } : {}) });
}

/** `n` images of uniform noise. @internal */
export function uniformNoise(n: number, seed = 0, height = 28, width = 28): ImageSet {
  const rng = createRng(seed);
  const pixels = Uint8Array.from({ length: n * height * width }, () => randomInt(rng, 0, 255));
  return imageSet(pixels, { height, width, name: "uniform noise" });
}

/** The images of `set` with label `digit`, repeated or cut to `n`. @internal */
export function singleClass(set: ImageSet, digit: number, n: number): ImageSet {
  const perImage = set.height * set.width;
  const indices: number[] = [];
  set.labels?.forEach((l, i) => { if (l === digit) indices.push(i); });
  const pixels = new Uint8Array(n * perImage);
  for (let i = 0; i < n && indices.length > 0; i++) {
    const src = indices[i % indices.length] ?? 0;
    pixels.set(set.pixels.subarray(src * perImage, (src + 1) * perImage), i * perImage);
  }
  return imageSet(pixels, { height: set.height, width: set.width, name: `only ${digit}s`, labels: new Uint8Array(n).fill(digit) });
}
