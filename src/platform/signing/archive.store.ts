/**
 * The files of the electronic archive: content-addressed by SM3 hash under one directory
 * (sm3/ab/cd/<hash>). A file is written to a temporary name in its final directory, flushed,
 * then renamed, so a reader never sees half a document and a crash leaves no torn file.
 * The same bytes deposited twice are one file.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import { sm3Hex } from "./algorithms";

const HASH_PATTERN = /^[0-9a-f]{64}$/;

export class ArchiveStore {
  constructor(readonly root: string) {}

  pathOf(hash: string): string {
    if (!HASH_PATTERN.test(hash)) throw new Error(`not an SM3 hash: ${hash}`);
    return path.join(this.root, "sm3", hash.slice(0, 2), hash.slice(2, 4), hash);
  }

  /** Stores bytes under their hash; returns the hash. An intact existing copy is kept as is. */
  async put(bytes: Uint8Array): Promise<string> {
    const hash = sm3Hex(bytes);
    const existing = await this.get(hash);
    if (existing && sm3Hex(existing) === hash) return hash;
    const target = this.pathOf(hash);
    await mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${randomBytes(6).toString("hex")}.tmp`;
    const handle = await open(temporary, "wx", 0o640);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return hash;
  }

  /** The stored bytes, or undefined when the file is missing. Callers re-hash before trusting them. */
  async get(hash: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(hash));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }
}
