/**
 * `gen-mnist/kernels`: the plumbing of the `gen-mnist` tfjs backend (tfjs's wasm backend with
 * gen-mnist's WebAssembly SIMD kernels): which kernels it replaces, registering it by hand, how
 * many threads its kernels run on and which build of them runs.
 *
 * Most programs need none of this: `useBackend("gen-mnist", { threads, kernels })` from the root
 * module registers the backend, sets the threads and picks the kernel module. The backend's name,
 * `GEN_MNIST_BACKEND`, is exported from the root module.
 *
 * @example
 * ```ts
 * import { useBackend } from "gen-mnist";
 * import { getKernelThreads, setKernelThreads } from "gen-mnist/kernels";
 * await useBackend("gen-mnist");
 * setKernelThreads(1); // e.g. when several training processes share the machine
 * console.log(getKernelThreads()); // 1
 * ```
 *
 * @packageDocumentation
 * @module gen-mnist/kernels
 */
export { GEN_MNIST_KERNELS, registerGenMnistBackend } from "./register.js";
export { setKernelThreads, getKernelThreads, defaultKernelThreads, MAX_KERNEL_THREADS } from "./threads.js";
export { relaxedSimdSupported, KERNEL_MODULE_REQUESTS, type KernelModule, type KernelModuleRequest } from "./variant.js";
