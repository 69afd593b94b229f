/**
 * Reads the code-set data files under data/codes (one JSON file per code set, each naming its
 * source) and checks their shape before anything touches the database.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

const codeSetFileSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/),
  title_zh: z.string().min(1),
  title_en: z.string().min(1),
  source: z.string().min(1),
  note: z.string().optional(),
  items: z
    .array(
      z.object({
        code: z.string().min(1),
        label_zh: z.string().min(1),
        label_en: z.string().min(1),
        parent: z.string().optional(),
      }),
    )
    .min(1),
});

export type CodeSetFile = z.infer<typeof codeSetFileSchema>;

export function parseCodeSetFile(fileName: string, text: string): CodeSetFile {
  const parsed = codeSetFileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${fileName}: ${parsed.error.message}`);
  const file = parsed.data;
  if (`${file.name}.json` !== path.basename(fileName))
    throw new Error(`${fileName}: name "${file.name}" differs`);
  const codes = new Set<string>();
  for (const item of file.items) {
    if (codes.has(item.code)) throw new Error(`${fileName}: code ${item.code} appears twice`);
    codes.add(item.code);
  }
  for (const item of file.items) {
    if (item.parent !== undefined && !codes.has(item.parent)) {
      throw new Error(`${fileName}: parent ${item.parent} of ${item.code} is not in the file`);
    }
  }
  return file;
}

export async function readCodeSetFiles(directory: string): Promise<CodeSetFile[]> {
  const names = (await readdir(directory)).filter((n) => n.endsWith(".json")).sort();
  return Promise.all(
    names.map(async (n) => parseCodeSetFile(n, await readFile(path.join(directory, n), "utf8"))),
  );
}
