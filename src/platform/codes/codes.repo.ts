/** SQL of the code-set tables. Code sets are public reference data: no unit scoping applies. */
import { sql } from "kysely";
import type { Executor } from "../../db/database";
import type { CodeSetFile } from "./codes.files";

export async function upsertCodeSet(db: Executor, file: CodeSetFile): Promise<void> {
  await db
    .insertInto("code_set")
    .values({
      name: file.name,
      title_zh: file.title_zh,
      title_en: file.title_en,
      source: file.source,
      note: file.note ?? null,
    })
    .onConflict((oc) =>
      oc.column("name").doUpdateSet({
        title_zh: file.title_zh,
        title_en: file.title_en,
        source: file.source,
        note: file.note ?? null,
        updated_at: sql`now()`,
      }),
    )
    .execute();
  const rows = file.items.map((item, index) => ({
    code_set: file.name,
    code: item.code,
    label_zh: item.label_zh,
    label_en: item.label_en,
    parent_code: item.parent ?? null,
    sort_order: index + 1,
    is_active: true,
  }));
  await db
    .insertInto("code_item")
    .values(rows)
    .onConflict((oc) =>
      oc.columns(["code_set", "code"]).doUpdateSet((eb) => ({
        label_zh: eb.ref("excluded.label_zh"),
        label_en: eb.ref("excluded.label_en"),
        parent_code: eb.ref("excluded.parent_code"),
        sort_order: eb.ref("excluded.sort_order"),
        is_active: true,
        updated_at: sql`now()`,
      })),
    )
    .execute();
  // A code dropped from its file may still be referenced by old records: retire it, never delete it.
  await db
    .updateTable("code_item")
    .set({ is_active: false, updated_at: sql`now()` })
    .where("code_set", "=", file.name)
    .where(
      "code",
      "not in",
      rows.map((r) => r.code),
    )
    .execute();
}

export function listCodeSets(db: Executor) {
  return db
    .selectFrom("code_set")
    .leftJoin("code_item", (join) => join.onRef("code_item.code_set", "=", "code_set.name"))
    .select(["code_set.name", "code_set.title_zh", "code_set.title_en", "code_set.source", "code_set.note"])
    .select((eb) => eb.fn.count<number>("code_item.code").as("item_count"))
    .groupBy("code_set.name")
    .orderBy("code_set.name")
    .execute();
}

export function findCodeSet(db: Executor, name: string) {
  return db.selectFrom("code_set").selectAll().where("name", "=", name).executeTakeFirst();
}

export function listCodeItems(db: Executor, codeSet?: string) {
  let query = db.selectFrom("code_item").selectAll().orderBy("code_set").orderBy("sort_order");
  if (codeSet) query = query.where("code_set", "=", codeSet);
  return query.execute();
}
