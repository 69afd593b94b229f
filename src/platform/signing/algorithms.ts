/**
 * Signature algorithms by name. SM2 with SM3 and the default distinguishing ID (GB/T 32918,
 * GM/T 0009) is what Chinese public bodies use; Ed25519 is kept for places where SM2 is not
 * required. Every stored signature names its algorithm, so both verify side by side.
 *
 * Keys are hex: SM2 public keys uncompressed (04‖x‖y), private keys the 32-byte scalar;
 * Ed25519 keys are the raw 32-byte public key and seed. SM2 signatures are DER (what OpenSSL
 * reads and writes); Ed25519 signatures are the raw 64 bytes.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
} from "node:crypto";
import { sm2 } from "sm-crypto-v2";
import type { SignatureAlgorithmName } from "../../db/schema";

/** The default SM2 distinguishing identifier (GM/T 0009-2012), as OpenSSL's distid. */
export const SM2_DEFAULT_USER_ID = "1234567812345678";

export interface KeyPairHex {
  publicKey: string;
  privateKey: string;
}

export interface SignatureAlgorithm {
  name: SignatureAlgorithmName;
  generateKeyPair(): KeyPairHex;
  sign(message: Uint8Array, privateKeyHex: string, publicKeyHex: string): string;
  verify(message: Uint8Array, signatureHex: string, publicKeyHex: string): boolean;
  /** SubjectPublicKeyInfo DER of a public key, for PEM export and OpenSSL. */
  publicKeyDer(publicKeyHex: string): Buffer;
}

/** SM3 hash (GB/T 32905) of bytes or of a UTF-8 string, as lower-case hex. */
export function sm3Hex(data: Uint8Array | string): string {
  return createHash("sm3").update(data).digest("hex");
}

// SEQUENCE { SEQUENCE { OID id-ecPublicKey 1.2.840.10045.2.1, OID sm2 1.2.156.10197.1.301 },
//            BIT STRING (65 bytes: 04‖x‖y) } — fixed-length, so a constant prefix suffices.
const SM2_SPKI_PREFIX = Buffer.from("3059301306072a8648ce3d020106082a811ccf5501822d034200", "hex");
// SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING (32 bytes) }
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
// PKCS#8 PrivateKeyInfo of an Ed25519 seed.
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

const sm2Sm3: SignatureAlgorithm = {
  name: "SM2-SM3",
  generateKeyPair() {
    const pair = sm2.generateKeyPairHex();
    return { publicKey: pair.publicKey, privateKey: pair.privateKey };
  },
  sign(message, privateKeyHex, publicKeyHex) {
    // Passing the public key spares the library recomputing it (a scalar multiplication).
    return sm2.doSignature(message, privateKeyHex, {
      hash: true,
      der: true,
      userId: SM2_DEFAULT_USER_ID,
      publicKey: publicKeyHex,
    });
  },
  verify(message, signatureHex, publicKeyHex) {
    try {
      return sm2.doVerifySignature(message, signatureHex, publicKeyHex, {
        hash: true,
        der: true,
        userId: SM2_DEFAULT_USER_ID,
      });
    } catch {
      // A malformed DER or point is simply not a valid signature.
      return false;
    }
  },
  publicKeyDer(publicKeyHex) {
    const point = Buffer.from(publicKeyHex, "hex");
    if (point.length !== 65 || point[0] !== 4)
      throw new Error("SM2 public key must be 65 bytes, uncompressed");
    return Buffer.concat([SM2_SPKI_PREFIX, point]);
  },
};

function ed25519PublicDer(publicKeyHex: string): Buffer {
  return Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(publicKeyHex, "hex")]);
}

const ed25519: SignatureAlgorithm = {
  name: "Ed25519",
  generateKeyPair() {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const spki = publicKey.export({ format: "der", type: "spki" });
    const pkcs8 = privateKey.export({ format: "der", type: "pkcs8" });
    return {
      publicKey: spki.subarray(ED25519_SPKI_PREFIX.length).toString("hex"),
      privateKey: pkcs8.subarray(ED25519_PKCS8_PREFIX.length).toString("hex"),
    };
  },
  sign(message, privateKeyHex) {
    const key = createPrivateKey({
      key: Buffer.concat([ED25519_PKCS8_PREFIX, Buffer.from(privateKeyHex, "hex")]),
      format: "der",
      type: "pkcs8",
    });
    return sign(null, message, key).toString("hex");
  },
  verify(message, signatureHex, publicKeyHex) {
    try {
      const key = createPublicKey({ key: ed25519PublicDer(publicKeyHex), format: "der", type: "spki" });
      return verify(null, message, key, Buffer.from(signatureHex, "hex"));
    } catch {
      return false;
    }
  },
  publicKeyDer: ed25519PublicDer,
};

const ALGORITHMS: Record<SignatureAlgorithmName, SignatureAlgorithm> = {
  "SM2-SM3": sm2Sm3,
  Ed25519: ed25519,
};

/** New keys use SM2 unless a caller asks otherwise. */
export const DEFAULT_ALGORITHM: SignatureAlgorithmName = "SM2-SM3";

export function algorithmNamed(name: string): SignatureAlgorithm {
  const algorithm = ALGORITHMS[name as SignatureAlgorithmName];
  if (!algorithm) throw new Error(`unknown signature algorithm "${name}"`);
  return algorithm;
}

export function publicKeyPem(algorithm: SignatureAlgorithmName, publicKeyHex: string): string {
  const base64 = algorithmNamed(algorithm).publicKeyDer(publicKeyHex).toString("base64");
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join("\n")}\n-----END PUBLIC KEY-----\n`;
}

/** The raw public key of a PEM SubjectPublicKeyInfo of one of our algorithms (for keys made by OpenSSL). */
export function publicKeyFromPem(pem: string): { algorithm: SignatureAlgorithmName; publicKey: string } {
  const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ""), "base64");
  if (der.subarray(0, SM2_SPKI_PREFIX.length).equals(SM2_SPKI_PREFIX)) {
    return { algorithm: "SM2-SM3", publicKey: der.subarray(SM2_SPKI_PREFIX.length).toString("hex") };
  }
  if (der.subarray(0, ED25519_SPKI_PREFIX.length).equals(ED25519_SPKI_PREFIX)) {
    return { algorithm: "Ed25519", publicKey: der.subarray(ED25519_SPKI_PREFIX.length).toString("hex") };
  }
  throw new Error("not an SM2 or Ed25519 SubjectPublicKeyInfo");
}
