/**
 * gen-mnist: train, sample and evaluate GANs and VAEs on MNIST-like 28x28 data with TensorFlow.js.
 *
 * @packageDocumentation
 */
export { GenMnistError, InvalidArgumentError } from "./errors.js";
export {
  useBackend,
  BACKEND_REQUESTS,
  BackendUnavailableError,
  type BackendRequest,
  type BackendSelection,
  type SkippedBackend,
} from "./backend.js";
export {
  parseIdx,
  readIdx,
  encodeIdx,
  writeIdx,
  isGzip,
  IdxFormatError,
  type IdxArray,
  type IdxDataType,
  type IdxTypedArrays,
  type IdxExpectation,
} from "./data/idx.js";
export {
  Dataset,
  PIXEL_RANGES,
  type PixelRange,
  type Batch,
  type BatchOptions,
  type DatasetOptions,
} from "./data/dataset.js";
export {
  loadMnist,
  loadFashionMnist,
  loadIdxDataset,
  mnistDataDir,
  DataNotFoundError,
  FASHION_MNIST_DEBIAN_DIR,
  FASHION_MNIST_CLASSES,
  type LoadOptions,
  type Split,
} from "./data/mnist.js";
export { imageGrid, encodePng, decodePng, writePng, type GrayImage, type ImageGridOptions } from "./image/grid.js";
