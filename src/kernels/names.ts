/** Name of the tfjs backend gen-mnist registers: tfjs's wasm backend with gen-mnist's GEMM and convolution kernels. */
export const GEN_MNIST_BACKEND = "gen-mnist";
