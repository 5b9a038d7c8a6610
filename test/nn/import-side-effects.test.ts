import * as tfl from "@tensorflow/tfjs-layers";
import { expect, it } from "vitest";

// tfjs-layers names unnamed layers from global per-class counters (conv2d_Conv2D1, conv2d_Conv2D2, …);
// importing gen-mnist must not advance them, or a user's layer names would change with the import.
it("importing gen-mnist leaves tfjs-layers' automatic layer names as they were", async () => {
  const counters = (): number[] =>
    [tfl.layers.conv2d({ filters: 1, kernelSize: 1 }), tfl.layers.dense({ units: 1 }), tfl.layers.dropout({ rate: 0.5 }), tfl.layers.batchNormalization({})].map((layer) =>
      Number(/(\d+)$/.exec(layer.name)?.[1]),
    );
  const before = counters();
  await import("../../src/index.js");
  const after = counters();
  expect(before.every(Number.isFinite)).toBe(true);
  // each counter advanced by exactly the one layer made above
  expect(after).toEqual(before.map((n) => n + 1));
});
