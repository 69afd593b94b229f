/**
 * Detection of planted problems: runs the real scanProblems over the province and compares what
 * it queued with the side file's list, kind by kind (found / planted, and exact matches on
 * student number and related number).
 */
import { sql } from "kysely";
import type { ServiceContext } from "../../platform/context";
import { type ScanReport, scanProblems } from "../students/students.problems";
import { type PlantedKind, PROBLEM_KINDS } from "./synthetic.data";
import type { PlantedEntry } from "./synthetic.seed";

export interface KindDetection {
  kind: PlantedKind;
  planted: number;
  /** Queued by this scan. */
  found: number;
  /** Planted entries found with the same student number (and related number, for duplicates). */
  matched: number;
}

export interface Detection {
  scanMs: number;
  scan: ScanReport;
  kinds: KindDetection[];
}

const key = (kind: string, number: string, related: string | null) => `${kind}|${number}|${related ?? ""}`;

export async function measureDetection(
  ctx: ServiceContext,
  unitId: number,
  planted: readonly PlantedEntry[],
): Promise<Detection> {
  const t0 = process.hrtime.bigint();
  const scan = await scanProblems(ctx, unitId);
  const scanMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const numbers = planted.map((p) => p.studentNumber);
  const { rows } = await sql<{ kind: string; number: string; related: string | null }>`
    SELECT p.kind, s.student_number AS number, r.student_number AS related
    FROM student_problem p
    JOIN student s ON s.id = p.student_id
    LEFT JOIN student r ON r.id = p.related_student_id
    WHERE s.student_number = ANY(${numbers}::text[])`.execute(ctx.db);
  const queued = new Set(rows.map((r) => key(r.kind, r.number, r.related)));
  const kinds = PROBLEM_KINDS.map((kind) => {
    const ofKind = planted.filter((p) => p.kind === kind);
    return {
      kind,
      planted: ofKind.length,
      found: scan[kind],
      matched: ofKind.filter((p) => queued.has(key(kind, p.studentNumber, p.relatedNumber))).length,
    };
  });
  return { scanMs, scan, kinds };
}
