import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
import { GenMnistError, InvalidArgumentError } from "./errors.js";
import { GEN_MNIST_BACKEND, registerGenMnistBackend } from "./kernels/register.js";
import { WasmKernels } from "./kernels/module.js";
import { checkKernelThreads, setKernelThreads } from "./kernels/threads.js";
import { checkKernelModule, type KernelModule, type KernelModuleRequest } from "./kernels/variant.js";

/**
 * A backend request for {@link useBackend}.
 *
 * - `"auto"`: the fastest one installed, tried in the order tfjs-node-gpu, tfjs-node, gen-mnist,
 *   wasm, cpu.
 * - `"tensorflow"`: native TensorFlow through `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node`.
 * - `"gen-mnist"`: tfjs's wasm backend with gen-mnist's WASM SIMD GEMM and convolution kernels
 *   (needs `@tensorflow/tfjs-backend-wasm`); unlike plain wasm it trains convolutional models.
 * - `"wasm"`: `@tensorflow/tfjs-backend-wasm`.
 * - `"cpu"`: the pure-JavaScript `@tensorflow/tfjs-backend-cpu`.
 */
export type BackendRequest = "auto" | "tensorflow" | "gen-mnist" | "wasm" | "cpu";

/** Every value {@link useBackend} accepts, in the order `auto` tries them. */
export const BACKEND_REQUESTS: readonly BackendRequest[] = ["auto", "tensorflow", "gen-mnist", "wasm", "cpu"];

/** Options of {@link useBackend}. */
export interface UseBackendOptions {
  /**
   * Threads the `gen-mnist` backend's kernels run on (see {@link setKernelThreads}); `"auto"`
   * (the default) is every core, or `GEN_MNIST_THREADS`. Ignored by other backends.
   */
  readonly threads?: number | "auto";
  /**
   * Which build of the `gen-mnist` backend's kernels runs (see {@link KernelModule}): `"auto"`
   * (the default) takes the relaxed-SIMD build on Node 22 and later, else the plain SIMD128 one
   * (Node 20 with `--experimental-wasm-relaxed-simd` runs relaxed SIMD, but no faster); the `GEN_MNIST_KERNELS` environment variable (`relaxed` / `plain`)
   * overrides `"auto"`. Asking for `"relaxed"` where it cannot run is an error. Ignored by other
   * backends.
   */
  readonly kernels?: KernelModuleRequest;
}

/** One backend package `useBackend` considered and did not use. */
export interface SkippedBackend {
  /** npm package that would provide it, e.g. `@tensorflow/tfjs-node`. */
  readonly packageName: string;
  /** Why it was not used, e.g. `package not installed`. */
  readonly reason: string;
}

/** What {@link useBackend} chose. */
export interface BackendSelection {
  /** Threads the `gen-mnist` backend's kernels use; 1 for other backends (they manage their own). */
  readonly kernelThreads: number;
  /** Which build of the kernels the `gen-mnist` backend runs; undefined for other backends. */
  readonly kernelModule?: KernelModule | undefined;
  /** tfjs backend name now active (`tf.getBackend()`), e.g. `"tensorflow"`, `"wasm"`, `"cpu"`. */
  readonly backend: string;
  /** npm package that provides it. */
  readonly packageName: string;
  /** Packages tried before it, in order, with the reason each was skipped. */
  readonly skipped: readonly SkippedBackend[];
  /**
   * One short human-readable line: which backend runs, from which package (and for the `gen-mnist`
   * backend, which kernels on how many threads).
   */
  readonly summary: string;
  /** {@link BackendSelection.summary} followed by why each backend tried before it was skipped. */
  readonly details: string;
}

/**
 * The backend asked for cannot be used, most often because its npm package is not installed.
 * {@link BackendUnavailableError.packageName} names the package to install.
 */
export class BackendUnavailableError extends GenMnistError {
  /** The npm package to install to get this backend. */
  readonly packageName: string;
  /** Creates the error for `packageName`, with `detail` saying what went wrong. */
  constructor(packageName: string, detail: string) {
    super(detail);
    this.packageName = packageName;
  }
}

interface Candidate {
  /** tfjs backend name registered by the package. */
  readonly backend: string;
  readonly packageName: string;
}

const CANDIDATES: Record<Exclude<BackendRequest, "auto">, readonly Candidate[]> = {
  tensorflow: [
    { backend: "tensorflow", packageName: "@tensorflow/tfjs-node-gpu" },
    { backend: "tensorflow", packageName: "@tensorflow/tfjs-node" },
  ],
  "gen-mnist": [{ backend: GEN_MNIST_BACKEND, packageName: "@tensorflow/tfjs-backend-wasm" }],
  wasm: [{ backend: "wasm", packageName: "@tensorflow/tfjs-backend-wasm" }],
  cpu: [{ backend: "cpu", packageName: "@tensorflow/tfjs-backend-cpu" }],
};

/** Loads a package by a name TypeScript does not resolve statically (the package is optional). */
async function importOptional(packageName: string): Promise<unknown> {
  const specifier: string = packageName;
  return import(specifier);
}

/** Whether `packageName` can be found from here (without loading it). */
function isInstalled(packageName: string): boolean {
  const require = createRequire(import.meta.url);
  try {
    require.resolve(`${packageName}/package.json`);
    return true;
  } catch (err) {
    // A package whose exports map hides package.json is still installed.
    return (err as { code?: unknown }).code === "ERR_PACKAGE_PATH_NOT_EXPORTED";
  }
}

async function tryCandidate(candidate: Candidate): Promise<string | undefined> {
  if (!isInstalled(candidate.packageName)) {
    return `package not installed (npm install ${candidate.packageName})`;
  }
  try {
    await importOptional(candidate.packageName);
  } catch (err) {
    const message = err instanceof Error ? err.message.split("\n")[0] : String(err);
    return `failed to load: ${message}`;
  }
  if (candidate.backend === GEN_MNIST_BACKEND) registerGenMnistBackend();
  if (tf.findBackendFactory(candidate.backend) === null) {
    return `loaded, but it registered no '${candidate.backend}' backend with this copy of ` +
      `@tensorflow/tfjs-core (is a second tfjs-core installed? run npm ls @tensorflow/tfjs-core)`;
  }
  try {
    const ok = await tf.setBackend(candidate.backend);
    if (!ok) return `backend '${candidate.backend}' failed to initialise`;
  } catch (err) {
    const message = err instanceof Error ? err.message.split("\n")[0] : String(err);
    return `backend '${candidate.backend}' failed to initialise: ${message}`;
  }
  await tf.ready();
  return undefined;
}

/** {@link BackendSelection.summary} and {@link BackendSelection.details} of a selection. */
function describe(selection: Omit<BackendSelection, "summary" | "details">): Pick<BackendSelection, "summary" | "details"> {
  const threads =
    selection.backend === GEN_MNIST_BACKEND
      ? `, ${selection.kernelModule === "relaxed" ? "relaxed-SIMD" : "SIMD128"} kernels on ${selection.kernelThreads} thread${selection.kernelThreads === 1 ? "" : "s"}`
      : "";
  const summary = `gen-mnist: using tfjs backend '${selection.backend}' (${selection.packageName}${threads})`;
  if (selection.skipped.length === 0) return { summary, details: summary };
  const why = selection.skipped.map((s) => `${s.packageName}: ${s.reason}`).join("; ");
  return { summary, details: `${summary}; skipped ${why}` };
}

/**
 * Selects and initialises the TensorFlow.js backend gen-mnist computes on.
 *
 * gen-mnist never imports a backend itself until asked: the consumer installs the one they want
 * (see the README's backend table) and this function loads it by dynamic import.
 *
 * @param request - which backend to use; see {@link BackendRequest}.
 * @param options - kernel threads for the `gen-mnist` backend.
 * @returns the backend now active, the package it came from and why others were skipped.
 * @throws {@link BackendUnavailableError} when no requested backend can be loaded; the message
 *   names the npm package(s) to install.
 * @throws {@link InvalidArgumentError} when `request` is not one of {@link BACKEND_REQUESTS},
 *   `options.threads` is not a positive integer (up to {@link "gen-mnist/kernels"!MAX_KERNEL_THREADS}) or `"auto"`, or
 *   `options.kernels` is not a {@link KernelModuleRequest} or asks for `"relaxed"` where it cannot run.
 *
 * @example
 * ```ts
 * import { useBackend } from "gen-mnist";
 * const { summary, details } = await useBackend("auto");
 * console.log(summary);
 * // gen-mnist: using tfjs backend 'gen-mnist' (@tensorflow/tfjs-backend-wasm, relaxed-SIMD kernels on 2 threads)
 * console.log(details); // the same, then: skipped @tensorflow/tfjs-node-gpu: package not installed (npm install @tensorflow/tfjs-node-gpu); ...
 * await useBackend("gen-mnist", { threads: 1 }); // one thread, e.g. beside other jobs
 * ```
 */
export async function useBackend(request: BackendRequest = "auto", options: UseBackendOptions = {}): Promise<BackendSelection> {
  if (!(BACKEND_REQUESTS as readonly string[]).includes(request)) {
    throw new InvalidArgumentError(
      `useBackend: unknown backend ${JSON.stringify(request)}; expected one of ` +
        `${BACKEND_REQUESTS.map((b) => `"${b}"`).join(", ")}`,
    );
  }
  // validated before anything is loaded, so a bad value fails fast whichever backend wins
  const threads = options.threads ?? "auto";
  checkKernelThreads("useBackend", threads);
  const kernels = options.kernels ?? "auto";
  checkKernelModule("useBackend", kernels);
  const candidates =
    request === "auto"
      ? [...CANDIDATES.tensorflow, ...CANDIDATES["gen-mnist"], ...CANDIDATES.wasm, ...CANDIDATES.cpu]
      : CANDIDATES[request];
  const skipped: SkippedBackend[] = [];
  for (const candidate of candidates) {
    const reason = await tryCandidate(candidate);
    if (reason === undefined) {
      const backend = tf.getBackend();
      const ours = backend === GEN_MNIST_BACKEND;
      const kernelThreads = ours ? setKernelThreads(threads) : 1;
      const kernelModule = ours ? WasmKernels.select(kernels) : undefined;
      const base = { backend, packageName: candidate.packageName, skipped, kernelThreads, kernelModule };
      return { ...base, ...describe(base) };
    }
    skipped.push({ packageName: candidate.packageName, reason });
  }
  const packages = candidates.map((c) => c.packageName);
  const details = skipped.map((s) => `${s.packageName}: ${s.reason}`).join("; ");
  throw new BackendUnavailableError(
    packages[packages.length - 1] ?? "",
    `useBackend("${request}"): no usable backend; install ${packages.join(" or ")} ` +
      `(tried ${details})`,
  );
}
