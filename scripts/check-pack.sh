#!/usr/bin/env bash
# Checks gen-mnist as npm would publish it, the way a user gets it: packs the tarball (prepack
# builds dist/), lints it (publint, arethetypeswrong), installs it into a fresh project beside the
# documented peers only (tfjs-core, tfjs-layers and the cpu backend, from the registry, no
# @types/node), then runs there an ESM script, a CommonJS script, a strict TypeScript consumer
# (moduleResolution node16, ESM and CommonJS files, and bundler), go-to-definition through the
# declaration maps into the shipped src/, and the `gen-mnist` command.
#
#   bash scripts/check-pack.sh            (CI runs it after npm run build)
#   KEEP=1 bash scripts/check-pack.sh     keeps the temporary project and prints its path
#   TFJS=4.10.0 bash scripts/check-pack.sh   with other peer versions (default: the lockfile's)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/gen-mnist-pack.XXXXXX")"
if [ "${KEEP:-}" = 1 ]; then trap 'echo "check-pack: kept $work"' EXIT; else trap 'rm -rf "$work"' EXIT; fi
fail() { echo "check-pack: FAIL: $*" >&2; exit 1; }
step() { echo "check-pack: $*"; }

cd "$root"
version=$(node -p 'require("./package.json").version')
# the peers at the versions the tests ran with (the lockfile's), unless TFJS names others
tfjs=${TFJS:-$(node -p 'require("@tensorflow/tfjs-core/package.json").version')}
tsc="$root/node_modules/.bin/tsc"

step "npm pack (prepack builds dist/)"
npm pack --silent --pack-destination "$work" >/dev/null
tarball="$work/gen-mnist-$version.tgz"
[ -f "$tarball" ] || fail "npm pack wrote no $tarball"

step "publint"
npx --no -- publint run --strict "$tarball"
step "arethetypeswrong"
# every resolution mode, node10 included (package.json "typesVersions" maps gen-mnist/kernels for it)
npx --no -- attw --format table-flipped "$tarball"

step "install into a fresh project with @tensorflow/tfjs-core, -layers and -backend-cpu $tfjs"
mkdir "$work/consumer"
cd "$work/consumer"
echo '{ "name": "consumer", "version": "1.0.0", "private": true, "type": "module" }' > package.json
npm install --silent --no-audit --no-fund "$tarball" \
  "@tensorflow/tfjs-core@$tfjs" "@tensorflow/tfjs-layers@$tfjs" "@tensorflow/tfjs-backend-cpu@$tfjs"
[ ! -e node_modules/@types/node ] || fail "@types/node got installed; the type check below must run without it"
[ ! -e node_modules/gen-mnist/kernels ] || fail "the package ships kernels/, which nothing reads"

step "ESM"
cat > esm.mjs <<'EOF'
import { mkdir } from "node:fs/promises";
import { encodePng, imageGrid, lossCurvesSvg, MlpVAE, useBackend, writeIdx } from "gen-mnist";
import { MAX_KERNEL_THREADS } from "gen-mnist/kernels";

const { backend } = await useBackend("cpu");
if (backend !== "cpu") throw new Error(`backend ${backend}`);
const vae = new MlpVAE({ seed: 1 });
const png = encodePng(imageGrid(vae.sample(4, { seed: 0 })));
if (png[1] !== 0x50 || MAX_KERNEL_THREADS !== 64) throw new Error("no PNG, or no gen-mnist/kernels");
const svg = await lossCurvesSvg([{ step: 1, losses: { loss: 2 } }, { step: 2, losses: { loss: 1 } }]);
if (!svg.startsWith("<svg")) throw new Error("no SVG");
// 64 random 28x28 digits for the CLI run below
await mkdir("data", { recursive: true });
const pixels = Uint8Array.from({ length: 64 * 28 * 28 }, (_, i) => (i * 7919) % 256);
await writeIdx("data/train-images-idx3-ubyte", { dtype: "uint8", dims: [64, 28, 28], data: pixels });
await writeIdx("data/train-labels-idx1-ubyte", { dtype: "uint8", dims: [64], data: Uint8Array.from({ length: 64 }, (_, i) => i % 10) });
console.log(`esm: ok (${png.length}-byte PNG, ${svg.length}-character SVG)`);
EOF
node esm.mjs

step "CommonJS"
cat > cjs.cjs <<'EOF'
const { DCGAN, useBackend, GEN_MNIST_BACKEND } = require("gen-mnist");
const { KERNEL_MODULE_REQUESTS } = require("gen-mnist/kernels");
useBackend("cpu").then(() => {
  const gan = new DCGAN({ seed: 1 });
  const images = gan.sample(2, { seed: 0 });
  if (images.shape.join() !== "2,28,28,1" || GEN_MNIST_BACKEND !== "gen-mnist" || KERNEL_MODULE_REQUESTS.length !== 3) throw new Error("bad CJS module");
  console.log("cjs: ok");
});
EOF
node cjs.cjs

step "TypeScript: strict consumers, skipLibCheck false, no @types/node"
cat > consumer.ts <<'EOF'
import { DCGAN, imageGrid, ProgressBar, Trainer, useBackend, type BackendSelection, type GANConfig, type ProgressStream } from "gen-mnist";
import { setKernelThreads, type KernelModule } from "gen-mnist/kernels";

const selection: BackendSelection = await useBackend("cpu");
const module: KernelModule | undefined = selection.kernelModule;
const stream: ProgressStream = { write: (text: string) => text.length };
const config: Partial<GANConfig> = { batchSize: 8 };
const gan = new DCGAN(config);
const grid = imageGrid(gan.sample(4, { seed: 0 }));
const bar = new ProgressBar({ stream, plain: true });
export const used = [module, grid.width, bar, Trainer, setKernelThreads(1)];
EOF
cat > consumer-cjs.cts <<'EOF'
import { MlpVAE, useBackend, type BackendSelection, type ProgressStream } from "gen-mnist";
import { MAX_KERNEL_THREADS, type KernelModuleRequest } from "gen-mnist/kernels";

export async function main(): Promise<number> {
  const selection: BackendSelection = await useBackend("cpu");
  const request: KernelModuleRequest = "plain";
  const stream: ProgressStream = { write: () => true, isTTY: false };
  const vae = new MlpVAE({ latentDim: 2 });
  return [selection.backend, request, stream, vae.latentDim, MAX_KERNEL_THREADS].length;
}
EOF
# node16: lib ES2022 only (neither the DOM library nor @types/node), an ESM and a CommonJS file;
# bundler: with the DOM library, as a browser bundle would be checked
cat > tsconfig.node16.json <<'EOF'
{ "compilerOptions": { "strict": true, "noEmit": true, "skipLibCheck": false, "target": "ES2022", "lib": ["ES2022"],
    "module": "node16", "moduleResolution": "node16" }, "files": ["consumer.ts", "consumer-cjs.cts"] }
EOF
cat > tsconfig.bundler.json <<'EOF'
{ "compilerOptions": { "strict": true, "noEmit": true, "skipLibCheck": false, "target": "ES2022", "lib": ["ES2022", "DOM"],
    "module": "preserve", "moduleResolution": "bundler" }, "files": ["consumer.ts"] }
EOF
for mode in node16 bundler; do
  files=$("$tsc" -p "tsconfig.$mode.json" --listFilesOnly)
  echo "$files" | grep -q "node_modules/gen-mnist/dist/types/index.d.ts" || fail "$mode: gen-mnist's declarations are not in the program"
  if [ "$mode" = node16 ]; then
    echo "$files" | grep -q "node_modules/gen-mnist/dist/types/index.d.cts" || fail "node16: the .cts consumer does not get the .d.cts declarations"
  fi
  ! echo "$files" | grep -q "@types/node/" || fail "$mode: @types/node is in the program"
  # skipLibCheck is false, so every gen-mnist .d.ts in the program is checked. tfjs-core's and
  # tfjs-layers' own declarations (and the @types they pull in) have errors of their own under
  # strict settings, which no gen-mnist change can fix: only those are set aside.
  errors=$("$tsc" -p "tsconfig.$mode.json" --pretty false 2>&1 | grep -E "error TS" \
    | grep -vE '^node_modules/(@tensorflow|@types|@webgpu)/' || true)
  [ -z "$errors" ] || fail "$mode type errors outside tfjs:
$errors"
  echo "typescript $mode: ok ($(echo "$files" | grep -c 'node_modules/gen-mnist/') gen-mnist declaration files checked)"
done

step "declaration maps: go to definition lands in gen-mnist's src/"
cat > definition.cjs <<'EOF'
const fs = require("node:fs");
const path = require("node:path");
const ts = require(process.argv[2]);
const file = path.resolve("consumer.ts");
const options = { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 };
const host = {
  getScriptFileNames: () => [file],
  getScriptVersion: () => "1",
  getScriptSnapshot: (f) => (fs.existsSync(f) ? ts.ScriptSnapshot.fromString(fs.readFileSync(f, "utf8")) : undefined),
  getCurrentDirectory: () => process.cwd(),
  getCompilationSettings: () => options,
  getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
  fileExists: ts.sys.fileExists, readFile: ts.sys.readFile, readDirectory: ts.sys.readDirectory,
  directoryExists: ts.sys.directoryExists, getDirectories: ts.sys.getDirectories, realpath: ts.sys.realpath,
};
const service = ts.createLanguageService(host);
const text = fs.readFileSync(file, "utf8");
// what tsserver does for an editor's go to definition: the declaration, then through its
// declaration map to the source (LanguageService.getSourceMapper is TypeScript-internal)
for (const [name, source] of [["DCGAN", "src/gan/presets.ts"], ["useBackend", "src/backend.ts"], ["setKernelThreads", "src/kernels/threads.ts"]]) {
  const [definition] = service.getDefinitionAtPosition(file, text.lastIndexOf(name)) ?? [];
  if (!definition) throw new Error(`${name}: no definition`);
  const mapped = service.getSourceMapper().tryGetSourcePosition({ fileName: definition.fileName, pos: definition.textSpan.start });
  const where = mapped ? path.relative(process.cwd(), mapped.fileName) : `${path.relative(process.cwd(), definition.fileName)} (unmapped)`;
  if (where !== `node_modules/gen-mnist/${source}`) throw new Error(`${name}: go to definition gives ${where}, not ${source}`);
  const line = fs.readFileSync(mapped.fileName, "utf8").slice(mapped.pos).split("\n")[0];
  if (!line.startsWith(name)) throw new Error(`${name}: lands on "${line}" in ${where}`);
  console.log(`${name} -> ${where}: ${line.slice(0, 60)}`);
}
EOF
node definition.cjs "$root/node_modules/typescript"

step "the gen-mnist command"
help=$(npx --no -- gen-mnist --help)
[[ "$help" == "Usage: gen-mnist"* ]] || fail "gen-mnist --help printed: $help"
printed=$(npx --no -- gen-mnist --version)
[ "$printed" = "$version" ] || fail "gen-mnist --version printed '$printed', package.json says $version"
npx --no -- gen-mnist train vae --data data --steps 2 --batch-size 16 --backend cpu --no-progress --out run >/dev/null
for f in run/summary.json run/loss.svg run/model; do [ -e "$f" ] || fail "gen-mnist train wrote no $f"; done
# one copy of the library: the command imports the package's own entry points
grep -q 'from "gen-mnist"' node_modules/gen-mnist/dist/cli.js || fail "dist/cli.js does not import gen-mnist"
echo "cli: ok (version $printed, $(wc -c < node_modules/gen-mnist/dist/cli.js)-byte dist/cli.js)"

step "all good: $(du -sm node_modules | cut -f1) MB of node_modules, $(npm ls --all --parseable 2>/dev/null | tail -n +2 | sort -u | wc -l) packages"
