import { availableParallelism } from "node:os";
import { InvalidArgumentError } from "../errors.js";

/** Most threads gen-mnist's kernels will use. */
export const MAX_KERNEL_THREADS = 64;

let configured: number | undefined;
/** {@link defaultKernelThreads}, read once: every kernel call asks for the thread count. */
let defaulted: number | undefined;
/** Whether a bad `GEN_MNIST_THREADS` was reported already. */
let warnedEnv = false;

/**
 * The thread count used when none was set: the `GEN_MNIST_THREADS` environment variable when it
 * holds a positive integer, else every core the process may use (`os.availableParallelism()`).
 */
export function defaultKernelThreads(): number {
  const raw = process.env.GEN_MNIST_THREADS;
  const fromEnv = Number(raw);
  if (raw !== undefined && raw !== "" && !(Number.isInteger(fromEnv) && fromEnv > 0) && !warnedEnv) {
    warnedEnv = true;
    console.warn(`gen-mnist: ignoring GEN_MNIST_THREADS=${JSON.stringify(raw)}: expected a positive integer`);
  }
  const wanted = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : availableParallelism();
  return Math.min(MAX_KERNEL_THREADS, Math.max(1, wanted));
}

/**
 * Sets how many threads the `gen-mnist` backend's GEMM and convolution kernels run on: the
 * calling thread plus `threads - 1` worker threads sharing the kernels' WebAssembly memory.
 * Takes effect at the next kernel call. Other backends are not affected.
 *
 * @param threads - a positive integer, or `"auto"` for {@link defaultKernelThreads}.
 * @returns the thread count now in effect.
 * @throws An {@link InvalidArgumentError} when `threads` is not a positive integer up to
 *   {@link MAX_KERNEL_THREADS} or `"auto"`.
 *
 * @example
 * ```ts
 * import { useBackend } from "gen-mnist";
 * import { setKernelThreads } from "gen-mnist/kernels";
 * await useBackend("gen-mnist");
 * setKernelThreads(1); // e.g. when several training processes share the machine
 * ```
 */
export function setKernelThreads(threads: number | "auto"): number {
  checkKernelThreads("setKernelThreads", threads);
  configured = threads === "auto" ? undefined : threads;
  return getKernelThreads();
}

/**
 * Throws an {@link InvalidArgumentError} naming `where` unless `threads` is an integer from 1 to
 * {@link MAX_KERNEL_THREADS} or `"auto"`.
 * @internal
 */
export function checkKernelThreads(where: string, threads: number | "auto"): void {
  if (threads !== "auto" && (!Number.isInteger(threads) || threads < 1 || threads > MAX_KERNEL_THREADS)) {
    throw new InvalidArgumentError(`${where}: threads must be an integer from 1 to ${MAX_KERNEL_THREADS} or "auto", got ${String(threads)}`);
  }
}

/** The number of threads the `gen-mnist` backend's kernels run on (see {@link setKernelThreads}). */
export function getKernelThreads(): number {
  return configured ?? (defaulted ??= defaultKernelThreads());
}
