/**
 * GBK bytes for tests: Node decodes GBK (TextDecoder) but has no encoder, so the decoder's table
 * is inverted once. The spreadsheets clerks save from Excel on Chinese Windows are GBK.
 */
let gbkTable: Map<number, number> | undefined;

/** Every BMP character GBK encodes in two bytes, with its bytes, from the inverted table of Node's decoder. */
export function gbkCodes(): Map<number, number> {
  if (!gbkTable) {
    gbkTable = new Map();
    const decoder = new TextDecoder("gbk");
    for (let hi = 0x81; hi <= 0xfe; hi++) {
      for (let lo = 0x40; lo <= 0xfe; lo++) {
        if (lo === 0x7f) continue;
        const character = decoder.decode(Buffer.from([hi, lo]));
        if (character.length === 1 && character !== "\ufffd" && !gbkTable.has(character.charCodeAt(0)))
          gbkTable.set(character.charCodeAt(0), (hi << 8) | lo);
      }
    }
  }
  return gbkTable;
}

/** GBK bytes of a text; throws on a character GBK lacks (a test bug). */
export function gbkBytes(text: string): Buffer {
  const table = gbkCodes();
  const out = Buffer.alloc(text.length * 2);
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) out[at++] = c;
    else {
      const code = table.get(c);
      if (code === undefined) throw new Error(`no GBK for U+${c.toString(16)}`);
      out[at++] = code >> 8;
      out[at++] = code & 0xff;
    }
  }
  return out.subarray(0, at);
}
