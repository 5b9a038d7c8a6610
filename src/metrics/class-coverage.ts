import { InvalidArgumentError } from "../errors.js";
import { checkInteger } from "../_internals/check.js";

/** Options of {@link classCoverage}. */
export interface ClassCoverageOptions {
  /**
   * Number of classes.
   * @defaultValue 10
   */
  readonly numClasses?: number;
  /**
   * The class shares to compare with: the labels of a reference set (e.g. the oracle's labels of
   * the test split), or one share per class summing to 1.
   * @defaultValue equal shares
   */
  readonly reference?: ArrayLike<number> | ClassShares;
}

/** Class shares given directly, for {@link ClassCoverageOptions.reference}. */
export interface ClassShares {
  /** One share per class, each ≥ 0, summing to 1. */
  readonly shares: readonly number[];
}

/** What {@link classCoverage} returns. */
export interface ClassCoverageResult {
  /** Images counted. */
  readonly n: number;
  /** Images per class. */
  readonly counts: readonly number[];
  /** Share of the images in each class, in [0, 1]. */
  readonly shares: readonly number[];
  /** The reference's share of each class. */
  readonly referenceShares: readonly number[];
  /** Largest `|share − referenceShare|`, in percentage points. */
  readonly maxDeviation: number;
  /** Classes with less than half their reference share: the mode-collapse signal. */
  readonly underrepresented: readonly number[];
  /** Classes with at least half their reference share. */
  readonly coveredClasses: number;
  /** Entropy of the class histogram, in bits (log₂ of the class count for a balanced set). */
  readonly entropy: number;
  /** `log₂(numClasses)`, the largest possible entropy. */
  readonly maxEntropy: number;
}

/**
 * How the images of a generated set spread over the classes, by the labels an oracle gives them
 * ({@link Oracle.predict}): the histogram, its largest deviation from the reference's class
 * shares, the classes a model has dropped (below half their share) and the histogram's entropy.
 * A mode-collapsed GAN that draws one digit has 9 underrepresented classes and entropy near 0.
 *
 * @param labels - one class label per image, integers in `[0, numClasses)`.
 * @throws {@link InvalidArgumentError} on an empty set, a label out of range or bad reference shares.
 *
 * @example
 * ```ts
 * const labels = await oracle.predict(samples);
 * const { underrepresented, entropy } = classCoverage(labels, { reference: await oracle.predict(test) });
 * ```
 */
export function classCoverage(labels: ArrayLike<number>, options: ClassCoverageOptions = {}): ClassCoverageResult {
  const { numClasses = 10, reference } = options;
  checkInteger("classCoverage", "options.numClasses", numClasses, 2);
  const counts = histogram("labels", labels, numClasses);
  const n = labels.length;
  let referenceShares: number[];
  if (reference === undefined) {
    referenceShares = new Array<number>(numClasses).fill(1 / numClasses);
  } else if ("shares" in reference) {
    const shares = [...reference.shares];
    const total = shares.reduce((t, v) => t + v, 0);
    if (shares.length !== numClasses || shares.some((v) => !(v >= 0)) || Math.abs(total - 1) > 1e-6) {
      throw new InvalidArgumentError(`classCoverage: options.reference.shares must be ${numClasses} non-negative shares summing to 1, found [${shares.join(", ")}]`);
    }
    referenceShares = shares;
  } else {
    const refCounts = histogram("options.reference", reference, numClasses);
    referenceShares = refCounts.map((c) => c / reference.length);
  }
  const shares = counts.map((c) => c / n);
  const maxDeviation = 100 * Math.max(...shares.map((s, c) => Math.abs(s - (referenceShares[c] ?? 0))));
  const underrepresented = shares.flatMap((s, c) => ((referenceShares[c] ?? 0) > 0 && s < (referenceShares[c] ?? 0) / 2 ? [c] : []));
  const entropy = shares.reduce((t, p) => t + (p > 0 ? p * Math.log2(1 / p) : 0), 0);
  return {
    n,
    counts,
    shares,
    referenceShares,
    maxDeviation,
    underrepresented,
    coveredClasses: numClasses - underrepresented.length - referenceShares.filter((s) => s === 0).length,
    entropy,
    maxEntropy: Math.log2(numClasses),
  };
}

function histogram(what: string, labels: ArrayLike<number>, numClasses: number): number[] {
  if (labels === null || typeof labels !== "object" || typeof labels.length !== "number" || labels.length === 0) {
    throw new InvalidArgumentError(`classCoverage: ${what} must be a non-empty array of class labels`);
  }
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l === undefined || !Number.isInteger(l) || l < 0 || l >= numClasses) {
      throw new InvalidArgumentError(`classCoverage: ${what}[${i}] is ${l}, expected an integer in 0..${numClasses - 1}`);
    }
    counts[l] = (counts[l] ?? 0) + 1;
  }
  return counts;
}
