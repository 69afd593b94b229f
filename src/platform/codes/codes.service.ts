/**
 * Code sets (代码集): loading the data files into the tables, and the in-memory registry every
 * validator asks "is this a code of that set?". The registry is read from the tables, never
 * from literals, so a corrected data file plus `edumis migrate` changes validation everywhere.
 */
import type { Executor } from "../../db/database";
import { AppError, type FieldError, notFound } from "../../shared/errors";
import type { Locale } from "../../shared/messages";
import { readCodeSetFiles } from "./codes.files";
import * as repo from "./codes.repo";

export interface CodeItem {
  code: string;
  labelZh: string;
  labelEn: string;
  parentCode: string | null;
  sortOrder: number;
  isActive: boolean;
  /** True when other codes of the set hang under this one. */
  isGroup: boolean;
}

export async function syncCodeSetFiles(db: Executor, directory: string): Promise<number> {
  const files = await readCodeSetFiles(directory);
  for (const file of files) await repo.upsertCodeSet(db, file);
  return files.length;
}

export interface CodeSnapshot {
  sets: [string, CodeItem[]][];
  provinces: string[];
}

export class CodeRegistry {
  private constructor(
    private readonly sets: Map<string, Map<string, CodeItem>>,
    private readonly provinces: ReadonlySet<string>,
  ) {}

  static async load(db: Executor): Promise<CodeRegistry> {
    const rows = await repo.listCodeItems(db);
    const sets = new Map<string, Map<string, CodeItem>>();
    for (const row of rows) {
      let items = sets.get(row.code_set);
      if (!items) {
        items = new Map();
        sets.set(row.code_set, items);
      }
      items.set(row.code, {
        code: row.code,
        labelZh: row.label_zh,
        labelEn: row.label_en,
        parentCode: row.parent_code,
        sortOrder: row.sort_order,
        isActive: row.is_active,
        isGroup: false,
      });
    }
    // A code with children is a group heading (e.g. 21 初等教育 over 211 小学), not assignable.
    for (const items of sets.values()) {
      for (const item of items.values()) {
        const parent = item.parentCode ? items.get(item.parentCode) : undefined;
        if (parent) parent.isGroup = true;
      }
    }
    const provinces = await db
      .selectFrom("division")
      .select("province_code")
      .where("level", "=", 1)
      .execute();
    return new CodeRegistry(sets, new Set(provinces.map((p) => p.province_code)));
  }

  /** The registry as plain data, for a worker thread (import checks run off the request thread). */
  toSnapshot(): CodeSnapshot {
    return {
      sets: [...this.sets].map(([name, items]) => [name, [...items.values()]]),
      provinces: [...this.provinces],
    };
  }

  static fromSnapshot(snapshot: CodeSnapshot): CodeRegistry {
    return new CodeRegistry(
      new Map(snapshot.sets.map(([name, items]) => [name, new Map(items.map((i) => [i.code, i]))])),
      new Set(snapshot.provinces),
    );
  }

  /** Two-digit province codes of the division table (GB/T 2260 plus the Corps, 66). */
  isKnownProvince(code: string): boolean {
    return this.provinces.has(code);
  }

  hasSet(codeSet: string): boolean {
    return this.sets.has(codeSet);
  }

  /** Items of a set in the standard's order; throws when the set is unknown (a programming error). */
  items(codeSet: string): CodeItem[] {
    const items = this.sets.get(codeSet);
    if (!items) throw new Error(`Code set ${codeSet} is not loaded; run edumis migrate`);
    return [...items.values()].sort((a, b) => a.sortOrder - b.sortOrder);
  }

  /**
   * True when the code can be given to a record: active (retired codes stay readable, not
   * assignable) and not a group heading.
   */
  isValid(codeSet: string, code: string): boolean {
    const item = this.sets.get(codeSet)?.get(code);
    return item?.isActive === true && !item.isGroup;
  }

  find(codeSet: string, code: string): CodeItem | undefined {
    return this.sets.get(codeSet)?.get(code);
  }

  label(codeSet: string, code: string, locale: Locale): string {
    const item = this.find(codeSet, code);
    if (!item) return code;
    return locale === "en" ? item.labelEn : item.labelZh;
  }

  /** Finds a code from its code or its Chinese label, as spreadsheets carry either ("1" or "男"). */
  resolve(codeSet: string, codeOrLabel: string): string | undefined {
    const items = this.sets.get(codeSet);
    if (!items) return undefined;
    if (this.isValid(codeSet, codeOrLabel)) return codeOrLabel;
    for (const item of items.values()) {
      if (
        this.isValid(codeSet, item.code) &&
        (item.labelZh === codeOrLabel || item.labelEn === codeOrLabel)
      ) {
        return item.code;
      }
    }
    return undefined;
  }

  /** A field error for `path` when `code` is not valid in `codeSet`, else undefined. */
  check(codeSet: string, code: string, path: string): FieldError | undefined {
    if (this.isValid(codeSet, code)) return undefined;
    return { path, code: "code_unknown", params: { codeSet, value: code } };
  }

  /** Throws a 422 problem when the code is not valid. */
  require(codeSet: string, code: string, path: string): void {
    const problem = this.check(codeSet, code, path);
    if (problem) throw new AppError("code_unknown", 422, { codeSet, value: code }, [problem]);
  }
}

export async function getCodeSet(db: Executor, name: string) {
  const set = await repo.findCodeSet(db, name);
  if (!set) throw notFound("code_set_not_found", { name });
  const items = await repo.listCodeItems(db, name);
  return { set, items };
}

export const listCodeSets = repo.listCodeSets;
