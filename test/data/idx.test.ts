import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeIdx, IdxFormatError, parseIdx, readIdx, writeIdx, type IdxArray } from "../../src/index.js";

const tmp = (): Promise<string> => mkdtemp(join(tmpdir(), "gen-mnist-idx-"));

function images(n: number, h = 28, w = 28): IdxArray<"uint8"> {
  const data = new Uint8Array(n * h * w);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) % 256;
  return { dtype: "uint8", dims: [n, h, w], data };
}

describe("IDX round trip", () => {
  it.each([false, true])("writes and reads back images and labels (gzip: %s)", async (gzip) => {
    const dir = await tmp();
    const img = images(5);
    const labels: IdxArray = { dtype: "uint8", dims: [5], data: Uint8Array.from([3, 1, 4, 1, 5]) };
    await writeIdx(join(dir, "img"), img, { gzip });
    await writeIdx(join(dir, "lbl"), labels, { gzip });
    const raw = await readFile(join(dir, "img"));
    expect(raw[0] === 0x1f && raw[1] === 0x8b).toBe(gzip);
    const back = await readIdx(join(dir, "img"), { dtype: "uint8", dims: [null, 28, 28] });
    expect(back.dims).toEqual([5, 28, 28]);
    expect(back.data).toEqual(img.data);
    expect((await readIdx(join(dir, "lbl"), { rank: 1 })).data).toEqual(labels.data);
  });

  it("detects gzip by magic bytes, not by file name", async () => {
    const dir = await tmp();
    await writeFile(join(dir, "plain.gz"), encodeIdx(images(1)));
    await writeFile(join(dir, "packed-no-suffix"), encodeIdx(images(1), { gzip: true }));
    expect((await readIdx(join(dir, "plain.gz"))).dims).toEqual([1, 28, 28]);
    expect((await readIdx(join(dir, "packed-no-suffix"))).dims).toEqual([1, 28, 28]);
  });

  it("round-trips every data type and shape (property)", () => {
    const dtypes = ["uint8", "int8", "int16", "int32", "float32", "float64"] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...dtypes),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.integer(),
        (dtype, dims, gzip, seed) => {
          const n = dims.reduce((a, b) => a * b, 1);
          const values = Array.from({ length: n }, (_, i) => ((seed + i * 7919) % 100) - 50);
          const data = {
            uint8: () => Uint8Array.from(values, (v) => Math.abs(v)),
            int8: () => Int8Array.from(values),
            int16: () => Int16Array.from(values, (v) => v * 300),
            int32: () => Int32Array.from(values, (v) => v * 1e6),
            float32: () => Float32Array.from(values, (v) => v / 3),
            float64: () => Float64Array.from(values, (v) => v / 7),
          }[dtype]();
          const parsed = parseIdx(encodeIdx({ dtype, dims, data }, { gzip }));
          expect(parsed.dtype).toBe(dtype);
          expect(parsed.dims).toEqual(dims);
          expect(Array.from(parsed.data)).toEqual(Array.from(data));
        },
      ),
    );
  });
});

describe("IDX validation", () => {
  const good = encodeIdx(images(2));

  it("rejects a corrupt magic number with IdxFormatError naming the file", () => {
    const bad = good.slice();
    bad[0] = 0x12;
    expect(() => parseIdx(bad, "bad.idx")).toThrow(IdxFormatError);
    expect(() => parseIdx(bad, "bad.idx")).toThrow("bad.idx: bad IDX file: magic number: expected 00 00 <type> <rank>, found 0x12 0x00");
  });

  it("rejects an unknown data type byte", () => {
    const bad = good.slice();
    bad[2] = 0x42;
    expect(() => parseIdx(bad, "t.idx")).toThrow(/data type byte: expected 0x08\|0x09\|0x0b\|0x0c\|0x0d\|0x0e, found 0x42/);
  });

  it("rejects wrong dimensions against the expectation", () => {
    const small = encodeIdx(images(2, 14, 14));
    const attempt = (): unknown => parseIdx(small, "small.idx", { dims: [null, 28, 28] });
    expect(attempt).toThrow(IdxFormatError);
    expect(attempt).toThrow("small.idx: bad IDX file: dimension 1: expected dims [*, 28, 28], found [2, 14, 14]");
  });

  it("rejects a wrong rank", () => {
    expect(() => parseIdx(good, "img", { rank: 1 })).toThrow("img: bad IDX file: rank: expected 1, found 3 (dims [2, 28, 28])");
  });

  it("rejects a truncated payload and trailing bytes", () => {
    const truncated = good.subarray(0, good.length - 10);
    try {
      parseIdx(truncated, "cut.idx");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(IdxFormatError);
      const e = err as IdxFormatError;
      expect(e.file).toBe("cut.idx");
      expect(e.expected).toBe("1568 bytes for dims [2, 28, 28] of uint8");
      expect(e.found).toBe("1558 bytes");
      expect(e.message).toContain("truncated");
    }
    const longer = new Uint8Array(good.length + 3);
    longer.set(good);
    expect(() => parseIdx(longer, "long.idx")).toThrow(/trailing bytes/);
  });

  it("rejects a truncated header and a broken gzip stream", () => {
    expect(() => parseIdx(good.subarray(0, 9), "h.idx")).toThrow("h.idx: bad IDX file: header: expected 16 bytes for rank 3, found 9 bytes");
    const packed = encodeIdx(images(2), { gzip: true });
    expect(() => parseIdx(packed.subarray(0, packed.length / 2), "z.gz")).toThrow(/z\.gz: bad IDX file: gzip stream/);
  });

  it("encodeIdx rejects data whose length does not match dims", () => {
    expect(() => encodeIdx({ dtype: "uint8", dims: [2, 3], data: new Uint8Array(5) })).toThrow(
      "encodeIdx: dims [2, 3] need 6 values, found 5",
    );
  });
});
