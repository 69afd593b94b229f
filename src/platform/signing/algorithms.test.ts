import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { algorithmNamed, publicKeyFromPem, publicKeyPem, SM2_DEFAULT_USER_ID, sm3Hex } from "./algorithms";

/** Whether the local openssl knows SM2 and SM3 (OpenSSL 3 on Debian 12 does). */
function opensslSm2(): { ok: boolean; reason: string } {
  const version = spawnSync("openssl", ["version"], { encoding: "utf8" });
  if (version.error || version.status !== 0) return { ok: false, reason: "openssl is not on PATH" };
  const probe = spawnSync("openssl", ["genpkey", "-algorithm", "SM2"], { encoding: "utf8" });
  if (probe.status !== 0) return { ok: false, reason: `${version.stdout.trim()} has no SM2` };
  return { ok: true, reason: version.stdout.trim() };
}

const openssl = opensslSm2();
const work = mkdtempSync(path.join(tmpdir(), "edumis-sm2-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function file(name: string): string {
  return path.join(work, name);
}

describe("SM3", () => {
  it("gives the GB/T 32905 test vector for 'abc'", () => {
    expect(sm3Hex("abc")).toBe("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
  });
});

describe("SM2 with SM3", () => {
  const sm2 = algorithmNamed("SM2-SM3");
  const pair = sm2.generateKeyPair();
  const message = Buffer.from('{"decision":"approve","comment":"同意转入"}', "utf8");

  it("signs and verifies, and refuses a changed message or a foreign key", () => {
    const signature = sm2.sign(message, pair.privateKey, pair.publicKey);
    expect(signature).toMatch(/^30[0-9a-f]+$/); // DER SEQUENCE
    expect(sm2.verify(message, signature, pair.publicKey)).toBe(true);
    const changed = Buffer.from(message);
    changed[5] = changed[5]! ^ 1;
    expect(sm2.verify(changed, signature, pair.publicKey)).toBe(false);
    expect(sm2.verify(message, signature, sm2.generateKeyPair().publicKey)).toBe(false);
    expect(sm2.verify(message, "3006020101020101", pair.publicKey)).toBe(false);
    expect(sm2.verify(message, "zz", pair.publicKey)).toBe(false);
  });

  it("exports the public key as a SubjectPublicKeyInfo with the SM2 curve OID and reads it back", () => {
    const pem = publicKeyPem("SM2-SM3", pair.publicKey);
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    // 06 08 2a 81 1c cf 55 01 82 2d = OID 1.2.156.10197.1.301
    const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ""), "base64");
    expect(der.toString("hex")).toContain("06082a811ccf5501822d");
    expect(publicKeyFromPem(pem)).toEqual({ algorithm: "SM2-SM3", publicKey: pair.publicKey });
  });

  it.skipIf(!openssl.ok)(
    `is verified by OpenSSL (pkeyutl, distid ${SM2_DEFAULT_USER_ID}) — ${openssl.reason}`,
    () => {
      writeFileSync(file("pub.pem"), publicKeyPem("SM2-SM3", pair.publicKey));
      writeFileSync(file("msg.bin"), message);
      writeFileSync(file("sig.der"), Buffer.from(sm2.sign(message, pair.privateKey, pair.publicKey), "hex"));
      const args = ["pkeyutl", "-verify", "-pubin", "-inkey", file("pub.pem"), "-in", file("msg.bin")];
      const verify = (sig: string) =>
        spawnSync(
          "openssl",
          [...args, "-sigfile", sig, "-rawin", "-digest", "sm3", "-pkeyopt", `distid:${SM2_DEFAULT_USER_ID}`],
          {
            encoding: "utf8",
          },
        );
      const accepted = verify(file("sig.der"));
      expect(accepted.status, accepted.stderr).toBe(0);
      expect(accepted.stdout).toContain("Signature Verified Successfully");
      // And OpenSSL does refuse: the same signature over another message.
      writeFileSync(file("msg.bin"), Buffer.concat([message, Buffer.from("x")]));
      expect(verify(file("sig.der")).status).not.toBe(0);
    },
  );

  it.skipIf(!openssl.ok)(`verifies a signature made by OpenSSL — ${openssl.reason}`, () => {
    execFileSync("openssl", ["genpkey", "-algorithm", "SM2", "-out", file("openssl-key.pem")]);
    execFileSync("openssl", [
      "pkey",
      "-in",
      file("openssl-key.pem"),
      "-pubout",
      "-out",
      file("openssl-pub.pem"),
    ]);
    writeFileSync(file("msg2.bin"), message);
    execFileSync("openssl", [
      ...["pkeyutl", "-sign", "-inkey", file("openssl-key.pem"), "-in", file("msg2.bin")],
      ...[
        "-out",
        file("openssl-sig.der"),
        "-rawin",
        "-digest",
        "sm3",
        "-pkeyopt",
        `distid:${SM2_DEFAULT_USER_ID}`,
      ],
    ]);
    const { algorithm, publicKey } = publicKeyFromPem(readFileSync(file("openssl-pub.pem"), "utf8"));
    expect(algorithm).toBe("SM2-SM3");
    const signature = readFileSync(file("openssl-sig.der")).toString("hex");
    expect(sm2.verify(message, signature, publicKey)).toBe(true);
    expect(sm2.verify(Buffer.from("another message"), signature, publicKey)).toBe(false);
  });
});

describe("Ed25519 (for places where SM2 is not required)", () => {
  it("signs and verifies through the same interface", () => {
    const ed = algorithmNamed("Ed25519");
    const pair = ed.generateKeyPair();
    const message = Buffer.from("edumis");
    const signature = ed.sign(message, pair.privateKey, pair.publicKey);
    expect(ed.verify(message, signature, pair.publicKey)).toBe(true);
    expect(ed.verify(Buffer.from("edumiS"), signature, pair.publicKey)).toBe(false);
    expect(publicKeyFromPem(publicKeyPem("Ed25519", pair.publicKey)).publicKey).toBe(pair.publicKey);
  });

  it("refuses an unknown algorithm name", () => {
    expect(() => algorithmNamed("RSA")).toThrow(/unknown signature algorithm/);
  });
});
