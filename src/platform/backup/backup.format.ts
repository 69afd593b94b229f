/**
 * The backup file: one line of magic, one line of JSON header, then the encrypted payload.
 *
 *   EDUMIS-BACKUP 1\n
 *   {"format":1,"engine":"postgres","createdAt":…,"node":{…},"algorithm":"aes-256-gcm","iv":…,
 *    "key":{…},"keyCheck":…,"migrations":[…],"entries":…,"authTag":…,"contentSha256":…}\n
 *   <AES-256-GCM ciphertext of the payload>
 *
 * Every header field except authTag and contentSha256 is authenticated with the payload (as
 * GCM's additional data, in canonical JSON), so neither a flipped byte of the payload nor an
 * edited header (another engine, other migrations) passes. `keyCheck` (an HMAC of a fixed text
 * under the file key) tells a wrong key from a damaged file before anything is decrypted.
 * AES-256-GCM because node's OpenSSL offers no SM4-GCM (only SM4 in CBC/CTR/… modes, which
 * would need a separate MAC); the algorithm is a named header field, so SM4 can follow.
 *
 * The payload is a sequence of entries — 4-byte name length, UTF-8 name, 8-byte size, bytes —
 * ended by a zero name length: "database" (pg_dump's custom format, or PGlite's gzipped data
 * directory) and one "archive/<sm3>" per archive file.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  type ScryptOptions,
  scrypt,
  timingSafeEqual,
} from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import type { Engine } from "../../db/database";
import { canonicalJson } from "../../shared/canonical-json";
import { AppError } from "../../shared/errors";

export const MAGIC = "EDUMIS-BACKUP 1\n";
export const ALGORITHM = "aes-256-gcm";
const MAX_HEADER_BYTES = 1024 * 1024;
export const MIN_PASSPHRASE_LENGTH = 12;
/** scrypt cost for passphrases: 64 MiB, about 0.2 s; recorded in the header. */
const SCRYPT = { N: 65536, r: 8, p: 1 };

export type KeySpec =
  | { source: "node-master-key"; kdf: "hkdf-sha256"; salt: string }
  | { source: "passphrase"; kdf: "scrypt"; N: number; r: number; p: number; salt: string };

export interface BackupHeader {
  format: 1;
  engine: Engine;
  createdAt: string;
  node: { role: string; province: string | null; host: string };
  algorithm: typeof ALGORITHM;
  iv: string;
  key: KeySpec;
  keyCheck: string;
  /** Migrations applied in the backed-up database, in order. */
  migrations: string[];
  entries: { database: string; archiveFiles: number };
  authTag: string;
  /** SHA-256 of the decrypted payload, for identifying a backup by eye and a second check. */
  contentSha256: string;
}

export type SealedHeader = Omit<BackupHeader, "authTag" | "contentSha256">;

/** Where the file key comes from: the node's master key, or a passphrase an operator keeps. */
export type KeyMaterial = { masterKey: Buffer } | { passphrase: string };

function scryptKey(
  passphrase: string,
  salt: Buffer,
  spec: { N: number; r: number; p: number },
): Promise<Buffer> {
  const options: ScryptOptions = { ...spec, maxmem: 256 * spec.N * spec.r + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(passphrase.normalize("NFKC"), salt, 32, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

export async function newKey(material: KeyMaterial): Promise<{ key: Buffer; spec: KeySpec }> {
  const salt = randomBytes(16);
  if ("masterKey" in material) {
    const spec: KeySpec = { source: "node-master-key", kdf: "hkdf-sha256", salt: salt.toString("base64") };
    return { key: await deriveKey(material, spec), spec };
  }
  const spec: KeySpec = { source: "passphrase", kdf: "scrypt", ...SCRYPT, salt: salt.toString("base64") };
  return { key: await deriveKey(material, spec), spec };
}

/** The file key of a header's key spec. A master key is never used directly for a second purpose. */
export async function deriveKey(material: KeyMaterial, spec: KeySpec): Promise<Buffer> {
  const salt = Buffer.from(spec.salt, "base64");
  if (spec.source === "node-master-key") {
    if (!("masterKey" in material)) throw new AppError("backup_wrong_key", 400, { source: spec.source });
    return Buffer.from(hkdfSync("sha256", material.masterKey, salt, "edumis backup v1", 32));
  }
  if (!("passphrase" in material)) throw new AppError("backup_wrong_key", 400, { source: spec.source });
  return scryptKey(material.passphrase, salt, spec);
}

export function keyCheckOf(key: Buffer): string {
  return createHmac("sha256", key).update("edumis backup key check").digest("hex").slice(0, 32);
}

function entryHead(name: string, size: number): Buffer {
  const nameBytes = Buffer.from(name, "utf8");
  const head = Buffer.alloc(4 + nameBytes.length + 8);
  head.writeUInt32BE(nameBytes.length, 0);
  nameBytes.copy(head, 4);
  head.writeBigUInt64BE(BigInt(size), 4 + nameBytes.length);
  return head;
}

/** Writes the encrypted payload to a file while it is produced; returns the tag and the digest. */
export class PayloadWriter {
  readonly #cipher;
  readonly #sha = createHash("sha256");

  private constructor(
    private readonly handle: FileHandle,
    key: Buffer,
    iv: Buffer,
    aad: Buffer,
  ) {
    this.#cipher = createCipheriv(ALGORITHM, key, iv);
    this.#cipher.setAAD(aad);
  }

  static async create(file: string, key: Buffer, iv: Buffer, sealed: SealedHeader): Promise<PayloadWriter> {
    const handle = await open(file, "wx", 0o600);
    return new PayloadWriter(handle, key, iv, Buffer.from(canonicalJson(sealed), "utf8"));
  }

  async #write(plain: Buffer): Promise<void> {
    this.#sha.update(plain);
    const encrypted = this.#cipher.update(plain);
    if (encrypted.length > 0) await this.handle.write(encrypted);
  }

  async addBuffer(name: string, bytes: Uint8Array): Promise<void> {
    await this.#write(entryHead(name, bytes.byteLength));
    await this.#write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  async addFile(name: string, file: string, size: number): Promise<void> {
    await this.#write(entryHead(name, size));
    for await (const chunk of createReadStream(file)) await this.#write(chunk as Buffer);
  }

  async finish(): Promise<{ authTag: string; contentSha256: string }> {
    await this.#write(Buffer.alloc(4));
    const last = this.#cipher.final();
    if (last.length > 0) await this.handle.write(last);
    await this.handle.sync();
    await this.handle.close();
    return { authTag: this.#cipher.getAuthTag().toString("base64"), contentSha256: this.#sha.digest("hex") };
  }
}

function unknownFormat(file: string): AppError {
  return new AppError("backup_format_unknown", 400, { file });
}

/** The header and the offset of the ciphertext; any malformed header is "unknown format". */
export async function readHeader(file: string): Promise<{ header: BackupHeader; offset: number }> {
  const handle = await open(file, "r");
  let head: Buffer;
  try {
    const buffer = Buffer.alloc(MAX_HEADER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (!head.subarray(0, MAGIC.length).equals(Buffer.from(MAGIC))) throw unknownFormat(file);
  const end = head.indexOf(0x0a, MAGIC.length);
  if (end < 0) throw unknownFormat(file);
  let header: BackupHeader;
  try {
    header = JSON.parse(head.subarray(MAGIC.length, end).toString("utf8")) as BackupHeader;
  } catch {
    throw unknownFormat(file);
  }
  if (
    header?.format !== 1 ||
    header.algorithm !== ALGORITHM ||
    (header.engine !== "postgres" && header.engine !== "pglite") ||
    !Array.isArray(header.migrations) ||
    typeof header.iv !== "string" ||
    typeof header.authTag !== "string" ||
    typeof header.keyCheck !== "string" ||
    !header.key
  )
    throw unknownFormat(file);
  return { header, offset: end + 1 };
}

export function sealedPart(header: BackupHeader): SealedHeader {
  const { authTag: _tag, contentSha256: _sha, ...sealed } = header;
  return sealed;
}

export function checkKey(header: BackupHeader, key: Buffer): void {
  const expected = Buffer.from(keyCheckOf(key));
  const stored = Buffer.from(header.keyCheck);
  if (expected.length !== stored.length || !timingSafeEqual(expected, stored)) {
    throw new AppError("backup_wrong_key", 400, { source: header.key.source });
  }
}

/**
 * Decrypts the payload into a file. GCM authenticates only at the end, so nothing decrypted may
 * be used before this returns: a damaged or edited file throws backup_tampered here.
 */
export async function decryptPayload(
  file: string,
  offset: number,
  header: BackupHeader,
  key: Buffer,
  plainFile: string,
): Promise<void> {
  const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(header.iv, "base64"));
  decipher.setAAD(Buffer.from(canonicalJson(sealedPart(header)), "utf8"));
  const tag = Buffer.from(header.authTag, "base64");
  if (tag.length !== 16) throw new AppError("backup_tampered", 400);
  decipher.setAuthTag(tag);
  const sha = createHash("sha256");
  const out = await open(plainFile, "wx", 0o600);
  try {
    for await (const chunk of createReadStream(file, { start: offset })) {
      const plain = decipher.update(chunk as Buffer);
      sha.update(plain);
      await out.write(plain);
    }
    let last: Buffer;
    try {
      last = decipher.final();
    } catch {
      throw new AppError("backup_tampered", 400);
    }
    sha.update(last);
    await out.write(last);
  } finally {
    await out.close();
  }
  if (sha.digest("hex") !== header.contentSha256) throw new AppError("backup_tampered", 400);
}

/** Walks the entries of a decrypted payload; `visit` gets each name with a reader of its bytes. */
export async function readEntries(
  plainFile: string,
  visit: (
    name: string,
    size: number,
    read: () => Promise<Buffer>,
    copyTo: (file: string) => Promise<void>,
  ) => Promise<void>,
): Promise<void> {
  const handle = await open(plainFile, "r");
  try {
    let position = 0;
    const readExactly = async (length: number): Promise<Buffer> => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      if (bytesRead !== length) throw new AppError("backup_tampered", 400);
      position += length;
      return buffer;
    };
    for (;;) {
      const nameLength = (await readExactly(4)).readUInt32BE(0);
      if (nameLength === 0) return;
      const name = (await readExactly(nameLength)).toString("utf8");
      const size = Number((await readExactly(8)).readBigUInt64BE(0));
      const start = position;
      position += size;
      await visit(
        name,
        size,
        async () => {
          const buffer = Buffer.alloc(size);
          await handle.read(buffer, 0, size, start);
          return buffer;
        },
        async (target) => {
          const out = await open(target, "wx", 0o600);
          try {
            const chunk = Buffer.alloc(Math.min(size, 8 * 1024 * 1024));
            for (let done = 0; done < size; ) {
              const { bytesRead } = await handle.read(
                chunk,
                0,
                Math.min(chunk.length, size - done),
                start + done,
              );
              await out.write(chunk.subarray(0, bytesRead));
              done += bytesRead;
            }
          } finally {
            await out.close();
          }
        },
      );
    }
  } finally {
    await handle.close();
  }
}
