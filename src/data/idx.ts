import { readFile, stat } from "node:fs/promises";
import { constants as zlibConstants, gunzipSync, gzipSync } from "node:zlib";
import { GenMnistError, InvalidArgumentError } from "../errors.js";
import { writeFileAtomic } from "../_internals/fs.js";

/** Element types an IDX file may hold, named by their IDX type byte. */
export type IdxDataType = "uint8" | "int8" | "int16" | "int32" | "float32" | "float64";

/** The typed array matching each {@link IdxDataType}. */
export interface IdxTypedArrays {
  /** type byte 0x08 */
  uint8: Uint8Array;
  /** type byte 0x09 */
  int8: Int8Array;
  /** type byte 0x0B */
  int16: Int16Array;
  /** type byte 0x0C */
  int32: Int32Array;
  /** type byte 0x0D */
  float32: Float32Array;
  /** type byte 0x0E */
  float64: Float64Array;
}

/** The contents of an IDX file: its element type, its dimensions and its values in row-major order. */
export interface IdxArray<T extends IdxDataType = IdxDataType> {
  /** Element type. */
  readonly dtype: T;
  /** Dimensions, outermost first, e.g. `[60000, 28, 28]` for MNIST training images. */
  readonly dims: readonly number[];
  /** Values, `dims.reduce((a, b) => a * b)` of them. */
  readonly data: IdxTypedArrays[T];
}

/** What an IDX reader checks besides the file's own consistency. */
export interface IdxExpectation {
  /** Required element type. */
  readonly dtype?: IdxDataType;
  /** Required rank (1 for label files, 3 for image files). */
  readonly rank?: number;
  /** Required dimensions; `null` leaves one free, e.g. `[null, 28, 28]`. */
  readonly dims?: readonly (number | null)[];
  /**
   * Refuse files whose header claims a payload larger than this many bytes, before anything is
   * decompressed or allocated.
   * @defaultValue {@link MAX_IDX_BYTES} (1 GiB: 1.3 million 28×28 uint8 images)
   */
  readonly maxBytes?: number;
}

/** The default limit on an IDX payload, in bytes: 1 GiB. See {@link IdxExpectation.maxBytes}. */
export const MAX_IDX_BYTES = 2 ** 30;

/** deflate's best ratio is 1032:1, so a gzip file of n bytes holds at most this much (plus slack for headers). */
const gzipCapacity = (compressed: number): number => compressed * 1032 + 1024;

/**
 * An IDX file is corrupt, truncated or not what the caller expected. The message and the fields
 * name the file, what was expected and what was found.
 */
export class IdxFormatError extends GenMnistError {
  /** The file (or other source name) that failed to parse. */
  readonly file: string;
  /** What a valid file has at the point of failure. */
  readonly expected: string;
  /** What this file has there instead. */
  readonly found: string;
  /** Creates the error for `file`. */
  constructor(file: string, what: string, expected: string, found: string) {
    super(`${file}: bad IDX file: ${what}: expected ${expected}, found ${found}`);
    this.file = file;
    this.expected = expected;
    this.found = found;
  }
}

interface TypeInfo {
  readonly dtype: IdxDataType;
  readonly code: number;
  readonly bytes: number;
}

const TYPES: readonly TypeInfo[] = [
  { dtype: "uint8", code: 0x08, bytes: 1 },
  { dtype: "int8", code: 0x09, bytes: 1 },
  { dtype: "int16", code: 0x0b, bytes: 2 },
  { dtype: "int32", code: 0x0c, bytes: 4 },
  { dtype: "float32", code: 0x0d, bytes: 4 },
  { dtype: "float64", code: 0x0e, bytes: 8 },
];

const hex = (n: number): string => `0x${n.toString(16).padStart(2, "0")}`;

/** True when `bytes` starts with the gzip magic number (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function newArray(dtype: IdxDataType, length: number): IdxTypedArrays[IdxDataType] {
  switch (dtype) {
    case "uint8": return new Uint8Array(length);
    case "int8": return new Int8Array(length);
    case "int16": return new Int16Array(length);
    case "int32": return new Int32Array(length);
    case "float32": return new Float32Array(length);
    case "float64": return new Float64Array(length);
  }
}

function checkExpectation(source: string, dtype: IdxDataType, dims: number[], want: IdxExpectation): void {
  if (want.dtype !== undefined && want.dtype !== dtype) {
    throw new IdxFormatError(source, "data type", want.dtype, dtype);
  }
  const rank = want.rank ?? want.dims?.length;
  if (rank !== undefined && rank !== dims.length) {
    throw new IdxFormatError(source, "rank", String(rank), `${dims.length} (dims [${dims.join(", ")}])`);
  }
  want.dims?.forEach((d, i) => {
    if (d !== null && d !== dims[i]) {
      const shown = want.dims?.map((x) => (x === null ? "*" : String(x))).join(", ");
      throw new IdxFormatError(source, `dimension ${i}`, `dims [${shown}]`, `[${dims.join(", ")}]`);
    }
  });
}

/** The first bytes of a gzip stream (enough for any IDX header), without decompressing the rest. */
function gunzipPrefix(bytes: Uint8Array, source: string): Uint8Array {
  const prefix = bytes.subarray(0, 4096);
  try {
    // deflate's 1032:1 bound keeps this prefix's output under 4.3 MB, whatever the file claims
    return gunzipSync(prefix, { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: gzipCapacity(prefix.length) });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new IdxFormatError(source, "gzip stream", "a complete gzip stream", `a broken one (${message})`);
  }
}

/**
 * Reads and checks an IDX header: magic number, type byte, rank, dimensions, the caller's
 * expectation and the size limit. `partial`: `raw` may be only the start of the file.
 */
function parseHeader(raw: Uint8Array, source: string, expect: IdxExpectation, partial: boolean): { info: TypeInfo; dims: number[]; headerBytes: number; payloadBytes: number } {
  if (raw.length < 4) {
    throw new IdxFormatError(source, "header", "at least 4 bytes", `${raw.length} bytes`);
  }
  if (raw[0] !== 0 || raw[1] !== 0) {
    throw new IdxFormatError(source, "magic number", "00 00 <type> <rank>", `${hex(raw[0] ?? 0)} ${hex(raw[1] ?? 0)}`);
  }
  const typeCode = raw[2] ?? 0;
  const info = TYPES.find((t) => t.code === typeCode);
  if (info === undefined) {
    throw new IdxFormatError(source, "data type byte", TYPES.map((t) => hex(t.code)).join("|"), hex(typeCode));
  }
  const rank = raw[3] ?? 0;
  if (rank === 0) throw new IdxFormatError(source, "rank", "at least 1", "0");
  const headerBytes = 4 + 4 * rank;
  if (raw.length < headerBytes) {
    throw new IdxFormatError(source, partial ? "header (truncated file)" : "header", `${headerBytes} bytes for rank ${rank}`, `${raw.length} bytes`);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  checkExpectation(source, info.dtype, dims, expect);
  const payloadBytes = dims.reduce((a, b) => a * b, 1) * info.bytes;
  const limit = expect.maxBytes ?? MAX_IDX_BYTES;
  if (payloadBytes > limit) {
    throw new IdxFormatError(source, "size", `at most ${limit} bytes of data (the maxBytes limit)`, `dims [${dims.join(", ")}] of ${info.dtype}, ${payloadBytes} bytes`);
  }
  return { info, dims, headerBytes, payloadBytes };
}

/**
 * Parses the bytes of an IDX file (raw or gzip-compressed; gzip is recognised by its magic
 * bytes, not by a file name).
 *
 * @param bytes - the file's contents.
 * @param source - a name for the data used in error messages, usually the file path.
 * @param expect - optional constraints on type, rank and dimensions.
 * @throws {@link IdxFormatError} on a bad magic number, unknown type byte, rank, dimensions or a
 *   payload whose length does not match the header.
 *
 * @example
 * ```ts
 * const labels = parseIdx(bytes, "labels.idx1-ubyte", { dtype: "uint8", rank: 1 });
 * console.log(labels.dims); // [60000]
 * ```
 */
export function parseIdx(bytes: Uint8Array, source = "<bytes>", expect: IdxExpectation = {}): IdxArray {
  let raw = bytes;
  if (isGzip(bytes)) {
    // the header first, from a prefix of the stream: a file claiming more than the limit (or more
    // than its compressed size can hold) is refused before anything large is decompressed
    const head = gunzipPrefix(bytes, source);
    const claimed = parseHeader(head, source, expect, true);
    if (claimed.headerBytes + claimed.payloadBytes > gzipCapacity(bytes.length)) {
      throw new IdxFormatError(source, "header", `dims a gzip file of ${bytes.length} bytes can hold`, `dims [${claimed.dims.join(", ")}] (${claimed.payloadBytes} bytes)`);
    }
    try {
      raw = gunzipSync(bytes, { maxOutputLength: claimed.headerBytes + claimed.payloadBytes });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ERR_BUFFER_TOO_LARGE") {
        throw new IdxFormatError(source, "payload (trailing bytes)", `${claimed.payloadBytes} bytes for dims [${claimed.dims.join(", ")}]`, "more once decompressed");
      }
      const message = err instanceof Error ? err.message : String(err);
      throw new IdxFormatError(source, "gzip stream", "a complete gzip stream", `a broken one (${message})`);
    }
  }
  const { info, dims, headerBytes, payloadBytes } = parseHeader(raw, source, expect, false);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const count = dims.reduce((a, b) => a * b, 1);
  const payload = raw.length - headerBytes;
  if (payload !== payloadBytes) {
    const what = payload < payloadBytes ? "payload (truncated file)" : "payload (trailing bytes)";
    throw new IdxFormatError(source, what, `${payloadBytes} bytes for dims [${dims.join(", ")}] of ${info.dtype}`, `${payload} bytes`);
  }
  const data = newArray(info.dtype, count);
  if (info.bytes === 1) {
    (data as Uint8Array).set(raw.subarray(headerBytes));
  } else {
    for (let i = 0; i < count; i++) {
      const at = headerBytes + i * info.bytes;
      switch (info.dtype) {
        case "int16": data[i] = view.getInt16(at, false); break;
        case "int32": data[i] = view.getInt32(at, false); break;
        case "float32": data[i] = view.getFloat32(at, false); break;
        default: data[i] = view.getFloat64(at, false); break;
      }
    }
  }
  return { dtype: info.dtype, dims, data };
}

/**
 * Reads and parses an IDX file from disk (raw or gzip). See {@link parseIdx}.
 *
 * @example
 * ```ts
 * const images = await readIdx("train-images-idx3-ubyte", { dtype: "uint8", dims: [null, 28, 28] });
 * ```
 */
export async function readIdx(path: string, expect: IdxExpectation = {}): Promise<IdxArray> {
  const limit = expect.maxBytes ?? MAX_IDX_BYTES;
  const { size } = await stat(path);
  // a file (raw or gzip) larger than the largest allowed payload cannot be valid: refuse before reading it
  if (size > limit + 4 + 4 * 255) {
    throw new IdxFormatError(path, "size", `at most ${limit} bytes of data (the maxBytes limit)`, `a file of ${size} bytes`);
  }
  const bytes = await readFile(path);
  return parseIdx(bytes, path, expect);
}

/**
 * Encodes values as IDX bytes (big-endian, as the format requires).
 *
 * @param array - element type, dimensions and values; `data.length` must equal the product of `dims`.
 * @param options - `gzip: true` compresses the result.
 */
export function encodeIdx(array: IdxArray, options: { gzip?: boolean } = {}): Uint8Array {
  const { gzip = false } = options;
  const info = TYPES.find((t) => t.dtype === array.dtype);
  if (info === undefined) {
    throw new InvalidArgumentError(`encodeIdx: unknown dtype ${JSON.stringify(array.dtype)}`);
  }
  const count = array.dims.reduce((a, b) => a * b, 1);
  if (array.dims.length === 0 || array.dims.length > 255) {
    throw new InvalidArgumentError(`encodeIdx: rank must be 1..255, found ${array.dims.length}`);
  }
  if (array.data.length !== count) {
    throw new InvalidArgumentError(
      `encodeIdx: dims [${array.dims.join(", ")}] need ${count} values, found ${array.data.length}`,
    );
  }
  const headerBytes = 4 + 4 * array.dims.length;
  const out = new Uint8Array(headerBytes + count * info.bytes);
  const view = new DataView(out.buffer);
  out[2] = info.code;
  out[3] = array.dims.length;
  array.dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < count; i++) {
    const at = headerBytes + i * info.bytes;
    const v = array.data[i] ?? 0;
    switch (array.dtype) {
      case "uint8": view.setUint8(at, v); break;
      case "int8": view.setInt8(at, v); break;
      case "int16": view.setInt16(at, v, false); break;
      case "int32": view.setInt32(at, v, false); break;
      case "float32": view.setFloat32(at, v, false); break;
      case "float64": view.setFloat64(at, v, false); break;
    }
  }
  return gzip ? gzipSync(out) : out;
}

/**
 * Writes an IDX file atomically: the bytes go to a temporary file beside `path`, which is then
 * renamed over it, so a crash never leaves a half-written file.
 *
 * @example
 * ```ts
 * await writeIdx("samples-idx3-ubyte", { dtype: "uint8", dims: [64, 28, 28], data: pixels });
 * ```
 */
export async function writeIdx(path: string, array: IdxArray, options: { gzip?: boolean } = {}): Promise<void> {
  await writeFileAtomic(path, encodeIdx(array, options));
}
