import { Worker } from "node:worker_threads";

/** One call of an exported kernel function; every argument is an int32 (sizes, flags, pointers). */
export interface KernelCall {
  /** Index of the function in the pool's `names`. */
  readonly fn: number;
  readonly args: readonly number[];
}

/** Int32 fields of one worker's control slot. */
const Field = {
  /** Job number the main thread posted (written by main; -1 asks the worker to exit). */
  Posted: 0,
  /** Job number the worker finished (written by the worker). */
  Done: 1,
  /** 0 when the finished job succeeded, 1 when it threw (message in the worker's message slot). */
  Status: 2,
  /** 1 once the worker has instantiated the module and waits for jobs. */
  Ready: 3,
  Fn: 4,
  ArgCount: 5,
  Args: 6,
} as const;
const MAX_ARGS = 16;
const SLOT_INTS = Field.Args + MAX_ARGS;
const MESSAGE_BYTES = 512;
/** Busy-wait iterations before sleeping in `Atomics.wait` (a few tens of microseconds). */
const SPINS = 20000;
/** How long the main thread waits for one worker's job before giving up. */
const JOB_TIMEOUT_MS = 120_000;

/**
 * The worker's whole program: instantiate the module on the shared memory with its own stack,
 * then run posted calls forever. Kept as source text so the ESM and CJS builds (and bundlers)
 * need no separate worker file; written to run as a CommonJS script or as an ES module, whichever
 * the process's flags make eval'd code.
 */
const WORKER_SOURCE = `
import("node:worker_threads").then(({ workerData }) => serve(workerData));
function serve({ module, memory, control, messages, slot, stackTop, names }) {
const ctl = new Int32Array(control);
const base = slot * ${SLOT_INTS};
const instance = new WebAssembly.Instance(module, { env: { memory } });
instance.exports.__stack_pointer.value = stackTop;
const fns = names.map((name) => instance.exports[name]);
Atomics.store(ctl, base + ${Field.Ready}, 1);
let seen = 0;
for (;;) {
  let spins = 0;
  while (Atomics.load(ctl, base) === seen) {
    if (++spins > ${SPINS}) Atomics.wait(ctl, base, seen);
  }
  seen = Atomics.load(ctl, base);
  if (seen < 0) break;
  let status = 0;
  try {
    const args = [];
    for (let i = 0; i < ctl[base + ${Field.ArgCount}]; i++) args.push(ctl[base + ${Field.Args} + i]);
    fns[ctl[base + ${Field.Fn}]](...args);
  } catch (err) {
    status = 1;
    const text = new TextEncoder().encode(String(err && err.message || err)).subarray(0, ${MESSAGE_BYTES - 1});
    const out = new Uint8Array(messages, slot * ${MESSAGE_BYTES}, ${MESSAGE_BYTES});
    out.fill(0);
    out.set(text);
  }
  Atomics.store(ctl, base + ${Field.Status}, status);
  Atomics.store(ctl, base + ${Field.Done}, seen);
  Atomics.notify(ctl, base + ${Field.Done});
}
}
`;

/**
 * Worker threads that run kernel calls on one shared `WebAssembly.Memory`, synchronously from
 * the caller's point of view: {@link KernelThreadPool.run} posts calls to the workers, runs the
 * first call on the calling thread, and returns when all are done. Each worker has its own
 * instance of the module and its own stack (at `stackTops[i]`); everything else (inputs,
 * outputs, per-call scratch) is laid out by the caller so that no two calls touch the same bytes.
 *
 * Workers are `unref`ed, so an idle pool never keeps a process alive.
 */
export class KernelThreadPool {
  private readonly workers: Worker[];
  private readonly control: Int32Array;
  private readonly messages: Uint8Array;
  private posted = 0;
  /** Calls run by worker threads so far (the rest ran on the calling thread). */
  workerCalls = 0;

  /**
   * @param module - the compiled kernels (it imports `env.memory`, exports `__stack_pointer`).
   * @param memory - the shared memory every instance uses.
   * @param stackTops - one stack top (byte offset, 16-aligned) per worker.
   * @param names - exported function names; {@link KernelCall.fn} indexes this list.
   * @param execute - runs a call on the calling thread's own instance.
   */
  constructor(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    stackTops: readonly number[],
    names: readonly string[],
    private readonly execute: (call: KernelCall) => void,
  ) {
    const control = new SharedArrayBuffer(stackTops.length * SLOT_INTS * 4);
    const messages = new SharedArrayBuffer(Math.max(1, stackTops.length) * MESSAGE_BYTES);
    this.control = new Int32Array(control);
    this.messages = new Uint8Array(messages);
    this.workers = stackTops.map((stackTop, slot) => {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        // the process's flags (e.g. a TypeScript loader) are not needed to run the kernels
        execArgv: [],
        workerData: { module, memory, control, messages, slot, stackTop, names: [...names] },
      });
      // a worker that fails to start never becomes ready, so its share runs on the calling thread
      worker.on("error", () => undefined);
      worker.unref();
      return worker;
    });
  }

  /** Threads that run calls: the workers and the calling thread. */
  get size(): number {
    return this.workers.length + 1;
  }

  /**
   * Runs `calls` at once, one per thread (the first on the calling thread); a worker that has not
   * started yet has its call run on the calling thread instead. Returns when every call is done.
   * @throws Error when a call failed in a worker (with the worker's message) or a worker did not
   *   answer within two minutes.
   */
  run(calls: readonly KernelCall[]): void {
    if (calls.length > this.size) throw new Error(`KernelThreadPool.run: ${calls.length} calls for ${this.size} threads`);
    const job = ++this.posted;
    const sent: number[] = [];
    const local: KernelCall[] = calls.slice(0, 1);
    for (let i = 1; i < calls.length; i++) {
      const call = calls[i] as KernelCall;
      const slot = i - 1;
      const base = slot * SLOT_INTS;
      if (Atomics.load(this.control, base + Field.Ready) !== 1 || call.args.length > MAX_ARGS) {
        local.push(call);
        continue;
      }
      this.control[base + Field.Fn] = call.fn;
      this.control[base + Field.ArgCount] = call.args.length;
      call.args.forEach((arg, j) => (this.control[base + Field.Args + j] = arg));
      Atomics.store(this.control, base + Field.Posted, job);
      Atomics.notify(this.control, base + Field.Posted);
      sent.push(slot);
    }
    this.workerCalls += sent.length;
    for (const call of local) this.execute(call);
    for (const slot of sent) this.waitFor(slot, job);
  }

  private waitFor(slot: number, job: number): void {
    const at = slot * SLOT_INTS + Field.Done;
    let spins = 0;
    const started = Date.now();
    for (;;) {
      const done = Atomics.load(this.control, at);
      if (done === job) break;
      if (++spins > SPINS) {
        Atomics.wait(this.control, at, done, 100);
        if (Date.now() - started > JOB_TIMEOUT_MS) {
          throw new Error(`gen-mnist kernel thread ${slot + 1} did not finish its work within ${JOB_TIMEOUT_MS / 1000} s`);
        }
      }
    }
    if (Atomics.load(this.control, slot * SLOT_INTS + Field.Status) !== 0) {
      const bytes = this.messages.slice(slot * MESSAGE_BYTES, (slot + 1) * MESSAGE_BYTES);
      const end = bytes.indexOf(0);
      throw new Error(`gen-mnist kernel thread ${slot + 1} failed: ${new TextDecoder().decode(bytes.subarray(0, end < 0 ? undefined : end))}`);
    }
  }

  /** Workers that have started and wait for calls. */
  readyWorkers(): number {
    let ready = 0;
    for (let slot = 0; slot < this.workers.length; slot++) ready += Atomics.load(this.control, slot * SLOT_INTS + Field.Ready);
    return ready;
  }

  /**
   * Resolves once every worker has started, or after `timeoutMs`; workers start on their own, so
   * this only matters to callers who want every thread from the first call on (benchmarks, tests).
   * @returns the workers ready by then.
   */
  async whenReady(timeoutMs = 10_000): Promise<number> {
    const started = Date.now();
    while (this.readyWorkers() < this.workers.length && Date.now() - started < timeoutMs) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return this.readyWorkers();
  }

  /** Stops the workers (they exit after their current call). */
  terminate(): void {
    for (let slot = 0; slot < this.workers.length; slot++) {
      Atomics.store(this.control, slot * SLOT_INTS + Field.Posted, -1);
      Atomics.notify(this.control, slot * SLOT_INTS + Field.Posted);
    }
    this.workers.length = 0;
  }
}
