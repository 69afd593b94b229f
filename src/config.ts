/**
 * One typed configuration object, read once from the environment with defaults that let
 * `npm start` run on a fresh machine: embedded PGlite under ./data/db, port 8080.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export interface Config {
  /** postgres://… selects PostgreSQL; unset selects the embedded PGlite database. */
  databaseUrl: string | undefined;
  /** Directory of the embedded database (PGlite), used only when databaseUrl is unset. */
  pgliteDir: string;
  host: string;
  port: number;
  logLevel: string;
  /** Which kind of node this process is: the national data centre or one provincial node. */
  nodeRole: "national" | "provincial";
  /** For a provincial node: the two-digit province code it hosts. */
  nodeProvinceCode: string | undefined;
  /** Folder of code-set data files loaded into tables by `migrate`. */
  codesDir: string;
  /** Built web console, served as static files when present. */
  webDistDir: string;
  /** Send cookies with the Secure flag (set when the console is served over HTTPS). */
  secureCookies: boolean;
  /** Largest accepted upload, bytes. */
  maxUploadBytes: number;
  /**
   * Master key (32 bytes, base64) that encrypts the seal and personal signing keys at rest
   * (EDUMIS_SIGNING_KEY). Never stored in the database.
   */
  signingKey: string | undefined;
  /** Where the embedded demo keeps a generated master key when signingKey is unset. */
  signingKeyFile: string;
  /** Content-addressed files of the electronic archive (EDUMIS_ARCHIVE_DIR). */
  archiveDir: string;
}

function readInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return parsed;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const nodeRole = env.EDUMIS_NODE_ROLE ?? "national";
  if (nodeRole !== "national" && nodeRole !== "provincial") {
    throw new Error(`EDUMIS_NODE_ROLE must be "national" or "provincial", got "${nodeRole}"`);
  }
  const pgliteDir = path.resolve(env.EDUMIS_DATA_DIR ?? path.join(projectRoot, "data", "db"));
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    pgliteDir,
    host: env.HOST ?? "127.0.0.1",
    port: readInt(env.PORT, 8080, "PORT"),
    logLevel: env.LOG_LEVEL ?? "info",
    nodeRole,
    nodeProvinceCode: env.EDUMIS_PROVINCE || undefined,
    codesDir: path.join(projectRoot, "data", "codes"),
    webDistDir: path.join(projectRoot, "web", "dist"),
    secureCookies: env.EDUMIS_SECURE_COOKIES === "true",
    maxUploadBytes: readInt(env.EDUMIS_MAX_UPLOAD_BYTES, 200 * 1024 * 1024, "EDUMIS_MAX_UPLOAD_BYTES"),
    signingKey: env.EDUMIS_SIGNING_KEY || undefined,
    // Next to the embedded database's directory (data/db → data/runtime, data/archive).
    signingKeyFile: path.join(path.dirname(pgliteDir), "runtime", "signing-master.key"),
    archiveDir: path.resolve(env.EDUMIS_ARCHIVE_DIR || path.join(path.dirname(pgliteDir), "archive")),
  };
}
