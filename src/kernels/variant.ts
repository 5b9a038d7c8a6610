import { InvalidArgumentError } from "../errors.js";
import { KERNELS_RELAXED_WASM_BASE64, KERNELS_WASM_BASE64 } from "./_wasm.js";

/**
 * Which build of gen-mnist's kernels runs:
 * - `"relaxed"`: WebAssembly SIMD128 plus relaxed SIMD, whose GEMM micro-kernel uses
 *   `f32x4.relaxed_madd` (a fused multiply-add on CPUs that have one). Node 22 and later run it;
 *   Node 20 only with `--experimental-wasm-relaxed-simd`.
 * - `"plain"`: SIMD128 only, multiply then add; runs everywhere gen-mnist does.
 *
 * Both compute the same products; the relaxed module rounds once per multiply-add instead of
 * twice, so results may differ from the plain module's in the last bits.
 */
export type KernelModule = "relaxed" | "plain";

/**
 * A kernel-module request: one of {@link KernelModule}, or `"auto"` for the one that is fastest on
 * this runtime: relaxed on Node 22 and later, plain on Node 20 (even with its relaxed-SIMD flag).
 */
export type KernelModuleRequest = KernelModule | "auto";

/** Every value a kernel-module request may take. */
export const KERNEL_MODULE_REQUESTS: readonly KernelModuleRequest[] = ["auto", "relaxed", "plain"];

const decode = (base64: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

let relaxedBytes: Uint8Array<ArrayBuffer> | undefined;
let plainBytes: Uint8Array<ArrayBuffer> | undefined;

/** The WebAssembly bytes of a kernel module. @internal */
export function kernelModuleBytes(variant: KernelModule): Uint8Array<ArrayBuffer> {
  if (variant === "relaxed") return (relaxedBytes ??= decode(KERNELS_RELAXED_WASM_BASE64));
  return (plainBytes ??= decode(KERNELS_WASM_BASE64));
}

let relaxedValid: boolean | undefined;

/**
 * Whether this JavaScript runtime runs the relaxed-SIMD kernels (`WebAssembly.validate` of the
 * relaxed module): true on Node 22 and later, and on Node 20 started with
 * `--experimental-wasm-relaxed-simd`.
 */
export function relaxedSimdSupported(): boolean {
  return (relaxedValid ??= WebAssembly.validate(kernelModuleBytes("relaxed")));
}

/**
 * Throws an {@link InvalidArgumentError} naming `where` unless `request` is one of
 * {@link KERNEL_MODULE_REQUESTS}, and a clear error when `"relaxed"` is asked for where the runtime
 * cannot run it.
 * @internal
 */
export function checkKernelModule(where: string, request: string): asserts request is KernelModuleRequest {
  if (!(KERNEL_MODULE_REQUESTS as readonly string[]).includes(request)) {
    throw new InvalidArgumentError(`${where}: kernel module must be one of ${KERNEL_MODULE_REQUESTS.map((r) => `"${r}"`).join(", ")}, got ${JSON.stringify(request)}`);
  }
  if (request === "relaxed" && !relaxedSimdSupported()) {
    throw new InvalidArgumentError(
      `${where}: this runtime (Node ${process.versions.node}) does not run relaxed-SIMD WebAssembly; ` +
        `use Node 22 or later, start Node 20 with --experimental-wasm-relaxed-simd, or ask for "plain" or "auto"`,
    );
  }
}

/**
 * Whether `"auto"` takes the relaxed module on a runtime of this Node major version that validates
 * it: from Node 22 on. Node 20's relaxed SIMD (behind `--experimental-wasm-relaxed-simd`) was never
 * faster than its plain SIMD in `npm run bench` (a default DCGAN step 1.00x on an Intel Xeon) and
 * was much slower on an AMD EPYC (1.56x as long), where Node 24's relaxed module is the faster one.
 * @internal
 */
export function relaxedPreferredOn(nodeMajor: number): boolean {
  return nodeMajor >= 22;
}

/**
 * The module an `"auto"` request runs: `GEN_MNIST_KERNELS` (`relaxed` or `plain`) when set, else
 * `"relaxed"` on Node 22 and later where {@link relaxedSimdSupported}, else `"plain"`.
 * @internal
 */
export function resolveKernelModule(request: KernelModuleRequest): KernelModule {
  if (request !== "auto") return request;
  const env = process.env.GEN_MNIST_KERNELS;
  if (env !== undefined && env !== "" && env !== "auto") {
    checkKernelModule("GEN_MNIST_KERNELS", env);
    return env === "relaxed" ? "relaxed" : "plain";
  }
  return relaxedPreferredOn(Number(process.versions.node.split(".")[0])) && relaxedSimdSupported() ? "relaxed" : "plain";
}
