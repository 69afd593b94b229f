/**
 * The zip container of an XLSX file, read with limits. The central directory is read first and
 * the declared sizes are checked before a byte is inflated; then every entry is inflated as a
 * stream whose real output is counted against the same limits, because declared sizes can lie
 * (a zip bomb may declare 1 KB and inflate to 5 GB). Nothing is inflated into memory whole.
 */
import { createInflateRaw } from "node:zlib";
import { AppError } from "../../shared/errors";
import { type ImportLimits, type LimitName, libraryCode, limitExceeded, unreadable } from "./limits";

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  /** The size the directory declares; never trusted for more than the up-front check. */
  declaredSize: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_EOCD_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL_HEADER = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;
/** Output chunk of the inflater: small enough that a chunk never matters, large enough to be cheap. */
const INFLATE_CHUNK = 256 * 1024;

function findEndOfDirectory(buffer: Buffer): number {
  // The end record is 22 bytes plus a comment of at most 65,535 bytes.
  const stop = Math.max(0, buffer.length - 22 - 65_535);
  for (let at = buffer.length - 22; at >= stop; at--) {
    if (buffer.readUInt32LE(at) === EOCD) return at;
  }
  throw unreadable("zip: no central directory");
}

/** Sizes and offset from a ZIP64 extra field, for the fields the header set to 0xFFFFFFFF. */
function zip64Values(extra: Buffer, wanted: { size: boolean; compressed: boolean; offset: boolean }) {
  const found: { size?: number; compressed?: number; offset?: number } = {};
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (id === 0x0001) {
      let field = at + 4;
      const next = () => {
        if (field + 8 > at + 4 + length) throw unreadable("zip: short ZIP64 field");
        const value = Number(extra.readBigUInt64LE(field));
        field += 8;
        return value;
      };
      if (wanted.size) found.size = next();
      if (wanted.compressed) found.compressed = next();
      if (wanted.offset) found.offset = next();
      return found;
    }
    at += 4 + length;
  }
  return found;
}

/** The entries of the central directory; refuses a directory over the limits by its declared sizes. */
export function readZipDirectory(buffer: Buffer, limits: ImportLimits): ZipEntry[] {
  if (buffer.length < 22) throw unreadable("zip: too short");
  const end = findEndOfDirectory(buffer);
  let count = buffer.readUInt16LE(end + 10);
  let directorySize = buffer.readUInt32LE(end + 12);
  let directoryOffset = buffer.readUInt32LE(end + 16);
  if (count === 0xffff || directoryOffset === 0xffffffff || directorySize === 0xffffffff) {
    const locator = end - 20;
    if (locator < 0 || buffer.readUInt32LE(locator) !== ZIP64_EOCD_LOCATOR) throw unreadable("zip: ZIP64");
    const record = Number(buffer.readBigUInt64LE(locator + 8));
    if (record + 56 > buffer.length || buffer.readUInt32LE(record) !== ZIP64_EOCD)
      throw unreadable("zip: ZIP64");
    count = Number(buffer.readBigUInt64LE(record + 32));
    directorySize = Number(buffer.readBigUInt64LE(record + 40));
    directoryOffset = Number(buffer.readBigUInt64LE(record + 48));
  }
  if (count > limits.maxZipEntries) throw limitExceeded("maxZipEntries", limits.maxZipEntries);
  if (directoryOffset + directorySize > buffer.length) throw unreadable("zip: directory out of range");
  const entries: ZipEntry[] = [];
  let declaredTotal = 0;
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > buffer.length || buffer.readUInt32LE(at) !== CENTRAL_HEADER)
      throw unreadable("zip: directory");
    const method = buffer.readUInt16LE(at + 10);
    let compressedSize = buffer.readUInt32LE(at + 20);
    let declaredSize = buffer.readUInt32LE(at + 24);
    const nameLength = buffer.readUInt16LE(at + 28);
    const extraLength = buffer.readUInt16LE(at + 30);
    const commentLength = buffer.readUInt16LE(at + 32);
    let localHeaderOffset = buffer.readUInt32LE(at + 42);
    const name = buffer.toString("utf8", at + 46, at + 46 + nameLength);
    if (declaredSize === 0xffffffff || compressedSize === 0xffffffff || localHeaderOffset === 0xffffffff) {
      const extra = buffer.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength);
      const wide = zip64Values(extra, {
        size: declaredSize === 0xffffffff,
        compressed: compressedSize === 0xffffffff,
        offset: localHeaderOffset === 0xffffffff,
      });
      declaredSize = wide.size ?? declaredSize;
      compressedSize = wide.compressed ?? compressedSize;
      localHeaderOffset = wide.offset ?? localHeaderOffset;
    }
    checkSize(name, declaredSize, limits);
    declaredTotal += declaredSize;
    if (declaredTotal > limits.maxInflatedBytes)
      throw limitExceeded("maxInflatedBytes", limits.maxInflatedBytes);
    entries.push({ name, method, compressedSize, declaredSize, localHeaderOffset });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The per-entry limit of an entry: shared strings are held in memory, so they have their own. */
function entryLimit(name: string, limits: ImportLimits): { limit: LimitName; max: number } {
  return /sharedStrings\d*\.xml$/i.test(name)
    ? {
        limit: "maxSharedStringsBytes",
        max: Math.min(limits.maxSharedStringsBytes, limits.maxEntryInflatedBytes),
      }
    : { limit: "maxEntryInflatedBytes", max: limits.maxEntryInflatedBytes };
}

function checkSize(name: string, size: number, limits: ImportLimits): void {
  const { limit, max } = entryLimit(name, limits);
  if (size > max) throw limitExceeded(limit, max);
}

/** Counts the inflated bytes of every entry read from one file against the total limit. */
export class InflateBudget {
  used = 0;
  constructor(private readonly limits: ImportLimits) {}

  spend(bytes: number): void {
    this.used += bytes;
    if (this.used > this.limits.maxInflatedBytes)
      throw limitExceeded("maxInflatedBytes", this.limits.maxInflatedBytes);
  }
}

function compressedData(buffer: Buffer, entry: ZipEntry): Buffer {
  const at = entry.localHeaderOffset;
  if (at + 30 > buffer.length || buffer.readUInt32LE(at) !== LOCAL_HEADER)
    throw unreadable(`zip: ${entry.name}`);
  const start = at + 30 + buffer.readUInt16LE(at + 26) + buffer.readUInt16LE(at + 28);
  if (start + entry.compressedSize > buffer.length) throw unreadable(`zip: ${entry.name} out of range`);
  return buffer.subarray(start, start + entry.compressedSize);
}

/**
 * The inflated bytes of an entry, chunk by chunk. Stops with `import_limit_exceeded` as soon as
 * the real output passes the entry's limit or, with a budget, the file's total.
 */
export async function* entryChunks(
  buffer: Buffer,
  entry: ZipEntry,
  limits: ImportLimits,
  budget?: InflateBudget,
): AsyncGenerator<Buffer> {
  const data = compressedData(buffer, entry);
  const { limit, max } = entryLimit(entry.name, limits);
  let inflated = 0;
  const count = (chunk: Buffer) => {
    inflated += chunk.length;
    if (inflated > max) throw limitExceeded(limit, max);
    budget?.spend(chunk.length);
  };
  if (entry.method === STORED) {
    for (let at = 0; at < data.length; at += INFLATE_CHUNK) {
      const chunk = data.subarray(at, Math.min(at + INFLATE_CHUNK, data.length));
      count(chunk);
      yield chunk;
    }
    return;
  }
  if (entry.method !== DEFLATED)
    throw unreadable(`zip: ${entry.name} uses compression method ${entry.method}`);
  const inflater = createInflateRaw({ chunkSize: INFLATE_CHUNK });
  inflater.end(data);
  try {
    for await (const chunk of inflater as AsyncIterable<Buffer>) {
      count(chunk);
      yield chunk;
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw unreadable(`zip: ${entry.name}: inflate ${libraryCode(error)}`.trimEnd());
  } finally {
    inflater.destroy();
  }
}

/** The entries by name (the first of a name wins, as zip readers do). */
export function entriesByName(entries: ZipEntry[]): Map<string, ZipEntry> {
  const map = new Map<string, ZipEntry>();
  for (const entry of entries) if (!map.has(entry.name)) map.set(entry.name, entry);
  return map;
}
