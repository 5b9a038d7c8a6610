// Node 20 validates relaxed-SIMD WebAssembly only behind --experimental-wasm-relaxed-simd (Node 22+
// always, and reject the flag): the benchmarks set it here, before any module is compiled, so that
// they can measure both kernel modules on every Node. (The library never sets V8 flags: there,
// Node 20 without the flag runs the plain module.)
import { setFlagsFromString } from "node:v8";

if (Number(process.versions.node.split(".")[0]) < 22) setFlagsFromString("--experimental-wasm-relaxed-simd");
