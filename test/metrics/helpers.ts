import { readFileSync } from "node:fs";
import { createRng, standardNormal } from "../../src/_internals/random.js";
import { featureMatrix, type FeatureMatrix } from "../../src/index.js";

/** Seeded standard-normal features `[rows, cols]` (Box–Muller on pure-rand), times `scale`, plus `shift`. */
export function gaussianFeatures(rows: number, cols: number, seed: number, scale = 1, shift = 0): FeatureMatrix {
  const rng = createRng(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = standardNormal(rng) * scale + shift;
  return { rows, cols, data };
}

/** The scipy / numpy reference values of scripts/metrics-fixture.py. */
export interface MetricsFixture {
  real: number[][];
  fake: number[][];
  fid: number;
  kidX: number[][];
  kidY: number[][];
  kidFull: number;
  logits: number[][];
  inceptionScore: { mean: number; std: number };
  prdc: { precision: number; recall: number; density: number; coverage: number };
}

export const fixture = JSON.parse(readFileSync(new URL("../fixtures/metrics-fixture.json", import.meta.url), "utf8")) as MetricsFixture;
export const matrix = (rows: number[][]): FeatureMatrix => featureMatrix(rows);
