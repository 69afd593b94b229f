/** Worker tasks of spreadsheet.ts (run by worker-pool.ts, never on the request thread). */
import type { ImportLimits } from "./limits";
import { csvStream, readSpreadsheetHere, type Sheet, type XlsxColumn, xlsxStream } from "./spreadsheet";
import type { TaskHost } from "./worker-pool";

export function readSheet(input: { buffer: Uint8Array; limits: ImportLimits }): Promise<Sheet> {
  const { buffer } = input;
  return readSpreadsheetHere(Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength), input.limits);
}

export interface WriteSheetInput {
  format: "csv" | "xlsx";
  sheetName: string;
  columns: XlsxColumn[];
}

/**
 * Writes a sheet whose rows the main thread hands over page by page (host call "page", an empty
 * page ends it); yields the file's bytes as they are made.
 */
export async function* writeSheet(
  input: WriteSheetInput,
  host: TaskHost,
): AsyncGenerator<{ bytes: Uint8Array }> {
  async function* pages(): AsyncGenerator<string[][]> {
    for (;;) {
      const page = await host.call<string[][]>("page", null);
      if (page.length === 0) return;
      yield page;
    }
  }
  const stream =
    input.format === "csv"
      ? csvStream(
          input.columns.map((c) => c.header),
          pages(),
        )
      : xlsxStream(input.sheetName, input.columns, pages());
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    // A copy that owns its memory is moved to the main thread rather than copied again.
    const bytes = new Uint8Array(new ArrayBuffer(chunk.length));
    bytes.set(chunk);
    yield { bytes };
  }
}
