import { InvalidArgumentError } from "../errors.js";
import { checkInteger } from "../_internals/check.js";
import { logSumExp } from "../_internals/logsumexp.js";
import { checkFeatures, type FeatureMatrix } from "./matrix.js";

/** Options of {@link inceptionScore}. */
export interface InceptionScoreOptions {
  /**
   * Number of consecutive splits the score is computed on (mean ± std over them).
   * @defaultValue 10
   */
  readonly splits?: number;
  /**
   * Whether the matrix holds class logits (a softmax in float64 is taken) or probabilities.
   * @defaultValue "logits"
   */
  readonly input?: "logits" | "probabilities";
}

/** What {@link inceptionScore} returns. */
export interface InceptionScoreResult {
  /** Mean score over the splits, in [1, classes]. */
  readonly mean: number;
  /** Standard deviation over the splits (population form, as the reference code). */
  readonly std: number;
  /** Number of splits. */
  readonly splits: number;
  /** Number of images. */
  readonly n: number;
  /** Number of classes. */
  readonly classes: number;
}

/**
 * Inception score (Salimans et al. 2016), here the classifier score of an oracle:
 * `exp(E_x KL(p(y | x) ‖ p(y)))`, on each of `splits` consecutive splits, mean ± std. 1 when
 * every image gets the same class distribution; the number of classes when every image is
 * classified with certainty and the classes are balanced. Log-probabilities are computed in
 * float64 from the logits (log-sum-exp), so confident classifiers do not underflow.
 *
 * @param outputs - class logits (or probabilities, see {@link InceptionScoreOptions.input}) `[n, classes]`.
 * @throws {@link InvalidArgumentError} on fewer images than splits, non-finite values, or
 *   probabilities that are negative or do not sum to 1.
 *
 * @example
 * ```ts
 * const { logits } = await oracle.embed(samples);
 * const { mean, std } = inceptionScore(logits);
 * ```
 */
export function inceptionScore(outputs: FeatureMatrix, options: InceptionScoreOptions = {}): InceptionScoreResult {
  const { splits = 10, input = "logits" } = options;
  checkInteger("inceptionScore", "options.splits", splits, 1);
  if (input !== "logits" && input !== "probabilities") {
    throw new InvalidArgumentError(`inceptionScore: options.input must be "logits" or "probabilities", found ${JSON.stringify(input)}`);
  }
  checkFeatures("inceptionScore", "outputs", outputs, Math.max(2, splits));
  const { rows: n, cols: k, data } = outputs;
  // log p(y | x) for every image, in float64
  const logp = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const row = data.subarray(i * k, (i + 1) * k);
    if (input === "logits") {
      const lse = logSumExp(row);
      for (let j = 0; j < k; j++) logp[i * k + j] = (row[j] ?? 0) - lse;
    } else {
      const total = row.reduce((t, v) => t + v, 0);
      if (row.some((v) => v < 0) || Math.abs(total - 1) > 1e-3) {
        throw new InvalidArgumentError(`inceptionScore: row ${i} is not a probability distribution (values must be >= 0 and sum to 1, sum is ${total})`);
      }
      for (let j = 0; j < k; j++) logp[i * k + j] = Math.log(row[j] ?? 0);
    }
  }
  const scores: number[] = [];
  for (let s = 0; s < splits; s++) {
    const start = Math.floor((s * n) / splits);
    const end = Math.floor(((s + 1) * n) / splits);
    const marginal = new Float64Array(k);
    for (let i = start; i < end; i++) for (let j = 0; j < k; j++) marginal[j] = (marginal[j] ?? 0) + Math.exp(logp[i * k + j] ?? -Infinity);
    const logMarginal = marginal.map((v) => Math.log(v / (end - start)));
    let kl = 0;
    for (let i = start; i < end; i++) {
      for (let j = 0; j < k; j++) {
        const lp = logp[i * k + j] ?? -Infinity;
        if (lp === -Infinity) continue; // 0 · log 0 = 0
        kl += Math.exp(lp) * (lp - (logMarginal[j] ?? 0));
      }
    }
    scores.push(Math.exp(kl / (end - start)));
  }
  const mean = scores.reduce((t, v) => t + v, 0) / splits;
  const std = Math.sqrt(scores.reduce((t, v) => t + (v - mean) ** 2, 0) / splits);
  return { mean, std, splits, n, classes: k };
}
