/**
 * The node's master key and the encryption of private signing keys at rest (AES-256-GCM).
 *
 * The master key comes from EDUMIS_SIGNING_KEY (32 bytes, base64). The embedded demo may run
 * without it: a key is then generated once into a file beside the PGlite data (mode 0600) with
 * a warning. On PostgreSQL — production — an unset key is a configuration error, because a key
 * file on one application server would not be shared by the others.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { AppError } from "../../shared/errors";

const MASTER_KEY_BYTES = 32;
const IV_BYTES = 12;
const FORMAT = "v1";

export interface VaultSettings {
  /** Base64 master key from the configuration, when set. */
  signingKey: string | undefined;
  /** File holding a generated master key, for the embedded database only. */
  signingKeyFile: string;
  /** True when the node runs on the embedded PGlite database. */
  embedded: boolean;
}

function decodeMasterKey(base64: string, origin: string): Buffer {
  const key = Buffer.from(base64.trim(), "base64");
  if (key.length !== MASTER_KEY_BYTES) {
    throw new Error(`${origin} must hold ${MASTER_KEY_BYTES} bytes in base64, found ${key.length}`);
  }
  return key;
}

async function readOrCreateKeyFile(file: string): Promise<Buffer> {
  try {
    return decodeMasterKey(await readFile(file, "utf8"), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const generated = randomBytes(MASTER_KEY_BYTES).toString("base64");
  try {
    // "wx": two processes starting at once must not each write (and lose) a different key.
    await writeFile(file, `${generated}\n`, { flag: "wx", mode: 0o600 });
    console.warn(
      `edumis: EDUMIS_SIGNING_KEY is not set; generated a signing master key in ${file}. ` +
        "Back it up with the data directory, and set EDUMIS_SIGNING_KEY in production.",
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  return decodeMasterKey(await readFile(file, "utf8"), file);
}

export class KeyVault {
  #masterKey: Promise<Buffer> | undefined;

  constructor(private readonly settings: VaultSettings) {}

  private masterKey(): Promise<Buffer> {
    if (!this.#masterKey) {
      const { signingKey, signingKeyFile, embedded } = this.settings;
      if (signingKey) this.#masterKey = Promise.resolve(decodeMasterKey(signingKey, "EDUMIS_SIGNING_KEY"));
      else if (embedded) this.#masterKey = readOrCreateKeyFile(signingKeyFile);
      else throw new AppError("signing_unavailable", 503);
      // A failed read must be retried on the next call, not cached as a rejection forever.
      this.#masterKey.catch(() => {
        this.#masterKey = undefined;
      });
    }
    return this.#masterKey;
  }

  /** Encrypts a private key; `binding` (e.g. the public key) is authenticated with it. */
  async encrypt(privateKeyHex: string, binding: string): Promise<string> {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", await this.masterKey(), iv);
    cipher.setAAD(Buffer.from(binding, "utf8"));
    const ciphertext = Buffer.concat([cipher.update(privateKeyHex, "utf8"), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString("base64"));
    return [FORMAT, ...parts].join(":");
  }

  /** Decrypts what encrypt() produced; fails when the text, the binding or the master key differ. */
  async decrypt(encrypted: string, binding: string): Promise<string> {
    const [format, iv, tag, ciphertext] = encrypted.split(":");
    if (format !== FORMAT || !iv || !tag || !ciphertext) throw new Error("unknown private key format");
    const decipher = createDecipheriv("aes-256-gcm", await this.masterKey(), Buffer.from(iv, "base64"));
    decipher.setAAD(Buffer.from(binding, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64"));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64")), decipher.final()]).toString(
      "utf8",
    );
  }
}

/**
 * The master key as configured, or undefined when there is none yet. Unlike the vault it never
 * generates one: a backup is sealed with a key derived from it, and restoring with an invented
 * key could only fail.
 */
export async function existingMasterKey(
  settings: Pick<VaultSettings, "signingKey" | "signingKeyFile">,
): Promise<Buffer | undefined> {
  if (settings.signingKey) return decodeMasterKey(settings.signingKey, "EDUMIS_SIGNING_KEY");
  try {
    return decodeMasterKey(await readFile(settings.signingKeyFile, "utf8"), settings.signingKeyFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
