/**
 * What an uploaded spreadsheet may hold (data/imports/limits.json, overridable per node by
 * environment variables). Every reader checks them while it reads, so a hostile file is refused
 * with `import_limit_exceeded` (413, naming the limit) long before it can exhaust memory.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "../../config";
import { AppError } from "../../shared/errors";

export interface ImportLimits {
  /** Data rows of a sheet (the header not counted). */
  maxRows: number;
  /** Cells of one row, and the highest column a cell may name. */
  maxCellsPerRow: number;
  /** Characters of one cell (Excel's own limit is 32,767). */
  maxCellChars: number;
  /** Inflated bytes of all the entries of an XLSX file read together. */
  maxInflatedBytes: number;
  /** Inflated bytes of any one entry (a worksheet's XML). */
  maxEntryInflatedBytes: number;
  /** Inflated bytes of the shared strings, which are held in memory while the sheet is read. */
  maxSharedStringsBytes: number;
  /** Entries of the zip's central directory. */
  maxZipEntries: number;
  /** Worker threads reading and checking uploads at once; further uploads wait their turn. */
  workers: number;
  /** Heap of one worker (MB): a worker over it ends alone and its upload is refused. */
  workerHeapMb: number;
  /** Niceness of a worker thread (Linux): uploads yield the CPU to the request thread. */
  workerNice: number;
}

export type LimitName = Exclude<keyof ImportLimits, "workers" | "workerNice">;

function readLimits(env: NodeJS.ProcessEnv = process.env): ImportLimits {
  const file = JSON.parse(
    readFileSync(path.join(projectRoot, "data", "imports", "limits.json"), "utf8"),
  ) as ImportLimits & { source: string };
  const { source: _source, ...limits } = file;
  const override = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
    return value;
  };
  return {
    ...limits,
    maxRows: override("EDUMIS_IMPORT_MAX_ROWS", limits.maxRows),
    maxInflatedBytes: override("EDUMIS_IMPORT_MAX_BYTES", limits.maxInflatedBytes),
    maxEntryInflatedBytes: Math.min(
      limits.maxEntryInflatedBytes,
      override("EDUMIS_IMPORT_MAX_BYTES", limits.maxEntryInflatedBytes),
    ),
    workers: override("EDUMIS_IMPORT_WORKERS", limits.workers),
  };
}

let current: ImportLimits = readLimits();

/** The limits in force on this node. */
export function importLimits(): ImportLimits {
  return current;
}

/** Replaces some limits (tests, and a node that reads its own settings); returns the previous ones. */
export function setImportLimits(changes: Partial<ImportLimits>): ImportLimits {
  const previous = current;
  current = { ...current, ...changes };
  return previous;
}

/** The problem of a file over a limit: 413, the limit's name and its value. */
export function limitExceeded(limit: LimitName, max: number): AppError {
  return new AppError("import_limit_exceeded", 413, { limit, max });
}

/** The problem of a file that cannot be read: 400 with a short technical reason ("zip: …"). */
export function unreadable(reason: string): AppError {
  return new AppError("import_file_unreadable", 400, { reason });
}

/** A library error's code (stable, e.g. Z_DATA_ERROR), never its prose message, which is for logs. */
export function libraryCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "";
}
