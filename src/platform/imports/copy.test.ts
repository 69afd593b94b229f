import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../../test/support/database";
import type { Database } from "../../db/database";
import { copyRows, copyText, formatCopyRow, formatCopyValue } from "./copy";

let database: Database;

beforeAll(async () => {
  database = await createTestDatabase();
  await database.pool.query(
    "CREATE TABLE copy_probe (id integer, label text, flag boolean, born date, doc jsonb)",
  );
});
afterAll(async () => {
  // The test database is dropped WITH (FORCE) right after the pool ends, and pg-pool reports
  // "terminating connection" from a socket still closing as a pool error: expected here.
  database.pool.on("error", () => undefined);
  await database.close();
});

async function rows() {
  const { rows } = await database.pool.query("SELECT * FROM copy_probe ORDER BY id");
  return rows;
}

describe("COPY text format", () => {
  it("escapes what COPY gives a meaning and writes NULL as \\N", () => {
    expect(formatCopyValue(null)).toBe("\\N");
    expect(formatCopyValue(undefined)).toBe("\\N");
    expect(formatCopyValue(true)).toBe("t");
    expect(formatCopyValue(12)).toBe("12");
    expect(formatCopyValue("a\tb\nc\\d\re")).toBe("a\\tb\\nc\\\\d\\re");
    expect(formatCopyRow(["x", null, false])).toBe("x\t\\N\tf\n");
  });
});

describe("copyRows on the test engine", () => {
  it("loads values with tabs, line breaks, backslashes, NULLs and Chinese text unchanged", async () => {
    const loaded = await copyRows(
      database,
      "copy_probe",
      ["id", "label", "flag", "born", "doc"],
      [
        [1, "张三\t李四", true, "2015-03-01", JSON.stringify({ name: "王\\五", note: "a\nb" })],
        [2, null, false, null, "[]"],
        [3, "\\N", null, "2016-02-29", '{"x":"\\"quoted\\""}'],
      ],
    );
    expect(loaded).toBe(3);
    expect(await rows()).toEqual([
      { id: 1, label: "张三\t李四", flag: true, born: "2015-03-01", doc: { name: "王\\五", note: "a\nb" } },
      { id: 2, label: null, flag: false, born: null, doc: [] },
      { id: 3, label: "\\N", flag: null, born: "2016-02-29", doc: { x: '"quoted"' } },
    ]);
  });

  it("streams many rows from an async source", async () => {
    async function* generated() {
      for (let i = 100; i < 20_100; i++) yield [i, `第${i}行`, i % 2 === 0, null, null];
    }
    expect(await copyRows(database, "copy_probe", ["id", "label", "flag", "born", "doc"], generated())).toBe(
      20_000,
    );
    const { rows: counted } = await database.pool.query(
      "SELECT count(*)::int AS n FROM copy_probe WHERE id >= 100",
    );
    expect(counted[0].n).toBe(20_000);
  });

  it("passes a CSV file through in CSV mode", async () => {
    const csv = Buffer.from('id,label\r\n50001,"逗号,引号"""\r\n50002,\r\n', "utf8");
    expect(
      await copyText(database, "copy_probe", ["id", "label"], [csv], { format: "csv", header: true }),
    ).toBe(2);
    const { rows: loaded } = await database.pool.query(
      "SELECT id, label FROM copy_probe WHERE id > 50000 ORDER BY id",
    );
    expect(loaded).toEqual([
      { id: 50001, label: '逗号,引号"' },
      { id: 50002, label: null },
    ]);
  });

  it("loads nothing when a row is bad, and leaves the database usable", async () => {
    const before = (await rows()).length;
    await expect(
      copyRows(
        database,
        "copy_probe",
        ["id", "born"],
        [
          [60001, "2015-01-01"],
          [60002, "2015-02-30"],
        ],
      ),
    ).rejects.toThrow(/date/);
    expect((await rows()).length).toBe(before);
    const { rows: alive } = await database.pool.query("SELECT 1 AS one");
    expect(alive).toEqual([{ one: 1 }]);
  });

  it("stops when the source fails, and leaves the database usable", async () => {
    async function* failing() {
      yield [70001, "first"];
      throw new Error("source failed");
    }
    await expect(copyRows(database, "copy_probe", ["id", "label"], failing())).rejects.toThrow(
      "source failed",
    );
    const { rows: none } = await database.pool.query(
      "SELECT count(*)::int AS n FROM copy_probe WHERE id = 70001",
    );
    expect(none[0].n).toBe(0);
  });

  it("refuses identifiers that are not plain names", async () => {
    await expect(copyRows(database, "copy_probe; DROP TABLE x", ["id"], [])).rejects.toThrow(/identifier/);
    await expect(copyRows(database, "copy_probe", ['id"'], [])).rejects.toThrow(/identifier/);
  });
});
