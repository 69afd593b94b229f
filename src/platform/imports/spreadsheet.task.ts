/** Worker tasks of spreadsheet.ts (run by worker-pool.ts, never on the request thread). */
import type { ImportLimits } from "./limits";
import { readSpreadsheetHere, type Sheet } from "./spreadsheet";

export function readSheet(input: { buffer: Uint8Array; limits: ImportLimits }): Promise<Sheet> {
  const { buffer } = input;
  return readSpreadsheetHere(Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength), input.limits);
}
