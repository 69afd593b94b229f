/**
 * Uploads run off the request thread. A small pool of worker threads (limits.json `workers`)
 * runs the tasks of the import engine — reading a spreadsheet, checking its rows, formatting
 * lines — so that no file, however large or hostile, holds the event loop that answers every
 * other user. The database stays on the main thread: a task asks it for what it needs through
 * `host.call` (e.g. the schools of a batch of rows), and streams its results back one item per
 * pull, so a slow consumer (a COPY into the database) holds the worker back instead of memory
 * filling up. Each worker's heap is bounded (`workerHeapMb`): a worker that runs out of memory
 * ends alone, its task fails with `import_limit_exceeded`, and the node carries on.
 *
 * A task is an exported function of a module (given by URL, loaded in the worker through tsx):
 * `(input, host) => AsyncIterable<item> | Promise<result>`. Top-level Uint8Array fields of an
 * item are transferred, not copied, when the item owns their memory.
 */
import { Worker } from "node:worker_threads";
import { AppError } from "../../shared/errors";
import type { ErrorCode } from "../../shared/messages";
import { importLimits, limitExceeded } from "./limits";

/** What a task may ask of the main thread while it runs. */
export interface TaskHost {
  call<T = unknown>(method: string, args: unknown): Promise<T>;
}

// biome-ignore lint/suspicious/noExplicitAny: each handler declares the arguments of its own call.
export type TaskHandlers = Record<string, (args: any) => unknown>;

export interface SerializedError {
  app?: { code: string; status: number; params: Record<string, string | number>; fieldErrors: unknown[] };
  message: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof AppError) {
    return {
      app: { code: error.code, status: error.status, params: error.params, fieldErrors: error.fieldErrors },
      message: error.message,
    };
  }
  return { message: error instanceof Error ? error.message : String(error) };
}

export function deserializeError(error: SerializedError): Error {
  if (error.app) {
    return new AppError(
      error.app.code as ErrorCode,
      error.app.status,
      error.app.params,
      error.app.fieldErrors as AppError["fieldErrors"],
    );
  }
  return new Error(error.message);
}

/** Top-level Uint8Array fields of a value that own their whole buffer: moved, not copied. */
export function transferablesOf(value: unknown): ArrayBuffer[] {
  const list: ArrayBuffer[] = [];
  const consider = (v: unknown) => {
    if (
      v instanceof Uint8Array &&
      v.buffer instanceof ArrayBuffer &&
      v.byteOffset === 0 &&
      v.byteLength === v.buffer.byteLength &&
      !list.includes(v.buffer)
    )
      list.push(v.buffer);
  };
  if (value && typeof value === "object") for (const v of Object.values(value)) consider(v);
  return list;
}

/** Uint8Array fields arrive without Buffer's prototype: made Buffers again (views, no copy). */
function revive<T>(value: T): T {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (v instanceof Uint8Array && !Buffer.isBuffer(v))
        (value as Record<string, unknown>)[k] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    }
  }
  return value;
}

const ENTRY = new URL("./worker-entry.mjs", import.meta.url);

class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  async acquire(): Promise<Worker> {
    while (this.running >= Math.max(1, importLimits().workers)) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running++;
    const worker = this.idle.pop() ?? this.spawn();
    worker.ref();
    return worker;
  }

  private spawn(): Worker {
    const worker = new Worker(ENTRY, {
      resourceLimits: { maxOldGenerationSizeMb: importLimits().workerHeapMb },
      workerData: { nice: importLimits().workerNice },
    });
    // A worker's own crash is reported to the task it runs; this keeps it from being unhandled.
    worker.on("error", () => undefined);
    worker.on("exit", () => {
      this.all.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
    });
    this.all.add(worker);
    return worker;
  }

  release(worker: Worker, reusable: boolean): void {
    this.running--;
    if (reusable && this.all.has(worker)) {
      // Idle workers do not keep the process alive.
      worker.unref();
      this.idle.push(worker);
    } else {
      void worker.terminate();
    }
    this.waiting.shift()?.();
  }

  async close(): Promise<void> {
    await Promise.all([...this.all].map((w) => w.terminate()));
    this.idle.length = 0;
  }
}

const pool = new WorkerPool();
let nextId = 1;

/** Ends the idle and running workers (the node is closing). */
export function closeImportWorkers(): Promise<void> {
  return pool.close();
}

type FromWorker =
  | { type: "item"; id: number; value: unknown }
  | { type: "done"; id: number }
  | { type: "error"; id: number; error: SerializedError }
  | { type: "call"; id: number; call: number; method: string; args: unknown };

/**
 * A task running in a worker, read as an async iterator. The first item is produced on the
 * first next(); from the second on, one more item is prepared while the caller works on the
 * last (the caller may act on the first — a header — before the rest is produced).
 */
export class WorkerTask<T> implements AsyncIterableIterator<T> {
  private worker: Worker | undefined;
  private readonly id = nextId++;
  private readonly items: T[] = [];
  private requested = 0;
  private delivered = 0;
  private finished = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly started: Promise<void>;
  private readonly onMessage = (message: FromWorker) => this.receive(message);
  private readonly onError = (error: Error) => {
    const code = (error as { code?: string }).code;
    this.fail(
      code === "ERR_WORKER_OUT_OF_MEMORY"
        ? limitExceeded("workerHeapMb", importLimits().workerHeapMb)
        : new AppError("import_worker_failed", 422),
    );
  };
  private readonly onExit = () => {
    if (!this.finished) this.fail(new AppError("import_worker_failed", 422));
  };

  constructor(
    module: URL,
    name: string,
    input: unknown,
    private readonly handlers: TaskHandlers = {},
    transfer: ArrayBuffer[] = [],
  ) {
    this.started = pool.acquire().then((worker) => {
      this.worker = worker;
      worker.on("message", this.onMessage);
      worker.on("error", this.onError);
      worker.on("exit", this.onExit);
      worker.postMessage({ type: "start", id: this.id, module: module.href, name, input }, transfer);
    });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private receive(message: FromWorker): void {
    if (message.id !== this.id) return;
    switch (message.type) {
      case "item":
        this.requested--;
        this.items.push(revive(message.value as T));
        break;
      case "done":
        this.finish(true);
        break;
      case "error":
        this.fail(deserializeError(message.error), true);
        break;
      case "call":
        void this.answer(message.call, message.method, message.args);
        return;
    }
    this.wake?.();
  }

  private async answer(call: number, method: string, args: unknown): Promise<void> {
    const handler = this.handlers[method];
    try {
      if (!handler) throw new Error(`No handler for task call ${method}`);
      const value = await handler(args);
      this.worker?.postMessage({ type: "reply", id: this.id, call, ok: true, value });
    } catch (error) {
      this.worker?.postMessage({ type: "reply", id: this.id, call, ok: false, error: serializeError(error) });
    }
  }

  private detach(reusable: boolean): void {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    worker.off("message", this.onMessage);
    worker.off("error", this.onError);
    worker.off("exit", this.onExit);
    pool.release(worker, reusable);
  }

  private finish(reusable: boolean): void {
    if (this.finished) return;
    this.finished = true;
    this.detach(reusable);
    this.wake?.();
  }

  private fail(error: Error, reusable = false): void {
    if (this.finished) return;
    this.failure = error;
    this.finish(reusable);
  }

  private pull(): void {
    this.requested++;
    this.worker?.postMessage({ type: "pull", id: this.id });
  }

  async next(): Promise<IteratorResult<T>> {
    await this.started;
    if (this.items.length === 0 && this.requested === 0 && !this.finished) this.pull();
    while (this.items.length === 0 && !this.finished) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
    const item = this.items.shift();
    if (item === undefined) {
      if (this.failure) {
        const failure = this.failure;
        this.failure = undefined;
        throw failure;
      }
      return { done: true, value: undefined };
    }
    this.delivered++;
    if (this.delivered > 1 && !this.finished && this.items.length + this.requested < 2) this.pull();
    return { done: false, value: item };
  }

  /** Leaves the task early: its worker is ended (its state is unknown), not reused. */
  async return(): Promise<IteratorResult<T>> {
    await this.started;
    if (!this.finished) {
      this.finished = true;
      this.detach(false);
    }
    return { done: true, value: undefined };
  }
}

/** Starts a task whose items are streamed back (see WorkerTask). */
export function runTask<T>(
  module: URL,
  name: string,
  input: unknown,
  handlers?: TaskHandlers,
  /** Buffers of the input moved to the worker (detached here): a large upload is not copied. */
  transfer?: ArrayBuffer[],
): WorkerTask<T> {
  return new WorkerTask<T>(module, name, input, handlers, transfer);
}

/** Runs a task to its single result. */
export async function runTaskOnce<T>(
  module: URL,
  name: string,
  input: unknown,
  handlers?: TaskHandlers,
): Promise<T> {
  const task = runTask<T>(module, name, input, handlers);
  const first = await task.next();
  if (first.done) throw new Error(`Task ${name} gave no result`);
  await task.next();
  return first.value;
}
