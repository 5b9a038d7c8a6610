// Copies the ESM declarations tsc wrote into dist/types (tsconfig.build.json) to CommonJS ones:
// every `x.d.ts` gets a `x.d.cts` twin whose relative imports name `.cjs` files, and every
// `x.d.ts.map` a `x.d.cts.map` twin, so that `require("gen-mnist")` gets types TypeScript reads as
// CommonJS (package.json "exports" → "require" → "types"). Run by `npm run build`.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "types");
// `from "./a.js"`, `import("../b/c.js")`, `export * from "./d.js"`: relative specifiers only
const RELATIVE = /((?:from|import)\s*\(?\s*)(["'])(\.\.?\/[^"']*?)\.js\2/g;

let files = 0;
for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith(".d.ts")) continue;
  const path = join(entry.parentPath ?? entry.path, entry.name);
  const cts = path.replace(/\.d\.ts$/, ".d.cts");
  const text = readFileSync(path, "utf8")
    .replace(RELATIVE, (_, head, quote, specifier) => `${head}${quote}${specifier}.cjs${quote}`)
    .replace(/\/\/# sourceMappingURL=(.*)\.d\.ts\.map$/m, "//# sourceMappingURL=$1.d.cts.map");
  writeFileSync(cts, text);
  const map = JSON.parse(readFileSync(`${path}.map`, "utf8"));
  writeFileSync(`${cts}.map`, JSON.stringify({ ...map, file: map.file.replace(/\.d\.ts$/, ".d.cts") }));
  files++;
}
if (files === 0) throw new Error(`cts-types: no declarations in ${root}; run tsc -p tsconfig.build.json first`);
console.log(`cts-types: ${files} declaration files copied to .d.cts`);
