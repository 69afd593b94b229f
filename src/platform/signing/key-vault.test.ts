import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { KeyVault } from "./key-vault";

const work = mkdtempSync(path.join(tmpdir(), "edumis-vault-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("key vault (AES-256-GCM under the master key)", () => {
  const vault = new KeyVault({
    signingKey: randomBytes(32).toString("base64"),
    signingKeyFile: path.join(work, "unused.key"),
    embedded: false,
  });

  it("round-trips a private key and never stores it in clear", async () => {
    const encrypted = await vault.encrypt("ab".repeat(32), "binding-1");
    expect(encrypted).toMatch(/^v1:/);
    expect(encrypted).not.toContain("abab");
    expect(await vault.decrypt(encrypted, "binding-1")).toBe("ab".repeat(32));
  });

  it("refuses a ciphertext moved to another key row or altered", async () => {
    const encrypted = await vault.encrypt("cd".repeat(32), "binding-1");
    await expect(vault.decrypt(encrypted, "binding-2")).rejects.toThrow();
    const [format, iv, tag, body] = encrypted.split(":");
    const flipped = Buffer.from(body!, "base64");
    flipped[0] = flipped[0]! ^ 1;
    await expect(
      vault.decrypt([format, iv, tag, flipped.toString("base64")].join(":"), "binding-1"),
    ).rejects.toThrow();
  });

  it("refuses another master key", async () => {
    const encrypted = await vault.encrypt("ef".repeat(32), "b");
    const other = new KeyVault({
      signingKey: randomBytes(32).toString("base64"),
      signingKeyFile: "",
      embedded: false,
    });
    await expect(other.decrypt(encrypted, "b")).rejects.toThrow();
  });

  it("refuses a master key of the wrong length", async () => {
    const short = new KeyVault({
      signingKey: randomBytes(16).toString("base64"),
      signingKeyFile: "",
      embedded: false,
    });
    await expect(short.encrypt("00", "b")).rejects.toThrow(/32 bytes/);
  });

  it("on PostgreSQL without EDUMIS_SIGNING_KEY refuses to sign (signing_unavailable)", async () => {
    const unset = new KeyVault({
      signingKey: undefined,
      signingKeyFile: path.join(work, "x.key"),
      embedded: false,
    });
    await expect(unset.encrypt("00", "b")).rejects.toMatchObject({
      code: "signing_unavailable",
      status: 503,
    });
  });

  it("for the embedded demo writes a key file once (0600) with a warning, then reuses it", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const keyFile = path.join(work, "runtime", "signing-master.key");
    const first = new KeyVault({ signingKey: undefined, signingKeyFile: keyFile, embedded: true });
    const encrypted = await first.encrypt("12".repeat(32), "b");
    expect(warn).toHaveBeenCalledOnce();
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(keyFile, "utf8").trim(), "base64")).toHaveLength(32);
    const second = new KeyVault({ signingKey: undefined, signingKeyFile: keyFile, embedded: true });
    expect(await second.decrypt(encrypted, "b")).toBe("12".repeat(32));
    expect(warn).toHaveBeenCalledOnce();
    warn.mockRestore();
  });
});
