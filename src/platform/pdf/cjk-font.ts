/**
 * The CJK font for PDFs (Noto Sans SC, shipped by the npm package @openfonts/noto-sans-sc_all
 * as WOFF). PDFKit reads WOFF through a pure-JavaScript inflate that takes tens of seconds for a
 * 6 MB CJK font, so the font is unpacked once per process into a plain TrueType buffer with
 * node:zlib (milliseconds) and that buffer is handed to every document.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { inflateSync } from "node:zlib";

const require = createRequire(import.meta.url);
export const CJK_FONT_FILE = path.join(
  path.dirname(require.resolve("@openfonts/noto-sans-sc_all/package.json")),
  "files",
  "noto-sans-sc-all-400.woff",
);

interface Table {
  tag: string;
  checksum: number;
  data: Buffer;
}

/** Converts a WOFF 1.0 file into the SFNT (TrueType/OpenType) font it wraps. */
export function woffToSfnt(woff: Buffer): Buffer {
  if (woff.toString("latin1", 0, 4) !== "wOFF") throw new Error("not a WOFF 1.0 font");
  const flavor = woff.readUInt32BE(4);
  const numTables = woff.readUInt16BE(12);
  const tables: Table[] = [];
  for (let i = 0; i < numTables; i++) {
    const entry = 44 + i * 20;
    const offset = woff.readUInt32BE(entry + 4);
    const compressed = woff.readUInt32BE(entry + 8);
    const original = woff.readUInt32BE(entry + 12);
    const raw = woff.subarray(offset, offset + compressed);
    tables.push({
      tag: woff.toString("latin1", entry, entry + 4),
      checksum: woff.readUInt32BE(entry + 16),
      data: compressed < original ? inflateSync(raw) : Buffer.from(raw),
    });
  }
  const entrySelector = Math.floor(Math.log2(numTables));
  const searchRange = 2 ** entrySelector * 16;
  const header = Buffer.alloc(12 + numTables * 16);
  header.writeUInt32BE(flavor, 0);
  header.writeUInt16BE(numTables, 4);
  header.writeUInt16BE(searchRange, 6);
  header.writeUInt16BE(entrySelector, 8);
  header.writeUInt16BE(numTables * 16 - searchRange, 10);
  const bodies: Buffer[] = [];
  let offset = header.length;
  tables.forEach((table, i) => {
    const entry = 12 + i * 16;
    header.write(table.tag, entry, "latin1");
    header.writeUInt32BE(table.checksum, entry + 4);
    header.writeUInt32BE(offset, entry + 8);
    header.writeUInt32BE(table.data.length, entry + 12);
    // Tables start on 4-byte boundaries.
    const padded = Buffer.alloc((table.data.length + 3) & ~3);
    table.data.copy(padded);
    bodies.push(padded);
    offset += padded.length;
  });
  return Buffer.concat([header, ...bodies]);
}

let font: Promise<Buffer> | undefined;

/** The unpacked CJK font, read and converted on first use. */
export function cjkFont(): Promise<Buffer> {
  font ??= readFile(CJK_FONT_FILE).then(woffToSfnt);
  return font;
}
