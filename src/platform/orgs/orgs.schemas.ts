/** Request and response shapes of the organisation API; responses are allow-lists of fields. */
import { z } from "zod";
import { pageQuerySchema, pageSchema } from "../../http/pagination";
import { isoDate } from "../../http/zod-app";
import type { UnitRow } from "./orgs.repo";

export const unitKind = z.enum(["nation", "province", "prefecture", "county", "department", "school"]);
export const unitStatus = z.enum(["active", "closed", "merged"]);

export const schoolFields = z.object({
  schoolCode: z.string(),
  schoolType: z.string(),
  runningType: z.string(),
  stages: z.array(z.string()),
  ownership: z.enum(["public", "private"]),
  creditCode: z.string().nullable(),
  address: z.string().nullable(),
  supervisingUnitId: z.number().nullable(),
  openedOn: z.string().nullable(),
  closedOn: z.string().nullable(),
  mergedIntoUnitId: z.number().nullable(),
});

export const unitSchema = z.object({
  id: z.number(),
  kind: unitKind,
  level: z.number(),
  code: z.string(),
  name: z.string(),
  parentId: z.number().nullable(),
  provinceCode: z.string().nullable(),
  divisionCode: z.string().nullable(),
  departmentType: z.enum(["education", "finance", "hrss"]).nullable(),
  status: unitStatus,
  childCount: z.number().optional(),
  school: schoolFields.nullable(),
});

export function toUnitDto(row: UnitRow): z.infer<typeof unitSchema> {
  return {
    id: row.id,
    kind: row.kind,
    level: row.level,
    code: row.code,
    name: row.name,
    parentId: row.parent_id,
    provinceCode: row.province_code,
    divisionCode: row.division_code,
    departmentType: row.department_type,
    status: row.status,
    ...(row.child_count === undefined ? {} : { childCount: Number(row.child_count) }),
    school:
      row.kind === "school" && row.school_code
        ? {
            schoolCode: row.school_code,
            schoolType: row.school_type ?? "",
            runningType: row.running_type ?? "",
            stages: row.stages ?? [],
            ownership: row.ownership ?? "public",
            creditCode: row.credit_code,
            address: row.address,
            supervisingUnitId: row.supervising_unit_id,
            openedOn: row.opened_on,
            closedOn: row.closed_on,
            mergedIntoUnitId: row.merged_into_unit_id,
          }
        : null,
  };
}

export const unitPage = pageSchema(unitSchema);

export const unitSearchQuery = pageQuerySchema.extend({
  q: z.string().trim().min(1).max(100).optional(),
  kind: unitKind.optional(),
  status: unitStatus.optional(),
  schoolType: z
    .string()
    .regex(/^\d{2}$/)
    .optional(),
  runningType: z.string().max(10).optional(),
  withinUnitId: z.coerce.number().int().positive().optional(),
});

export const childrenQuery = pageQuerySchema.extend({
  q: z.string().trim().min(1).max(100).optional(),
  kind: unitKind.optional(),
  status: unitStatus.optional(),
});

const trimmed = (max: number) => z.string().trim().min(1).max(max);

export const schoolCreateBody = z.object({
  schoolCode: z
    .string()
    .trim()
    .regex(/^\d{10}$/, "10 digits"),
  name: trimmed(200),
  runningType: trimmed(10),
  stages: z.array(trimmed(40)).min(1).max(10),
  ownership: z.enum(["public", "private"]),
  creditCode: z.string().trim().toUpperCase().length(18).nullish(),
  address: z.string().trim().max(300).nullish(),
  divisionCode: z.string().regex(/^\d{6}$/),
  parentCode: z.string().trim().max(20).optional(),
  supervisingUnitCode: z.string().trim().max(30).optional(),
  openedOn: isoDate.optional(),
});

export const schoolUpdateBody = z
  .object({
    runningType: trimmed(10).optional(),
    stages: z.array(trimmed(40)).min(1).max(10).optional(),
    ownership: z.enum(["public", "private"]).optional(),
    creditCode: z.string().trim().toUpperCase().length(18).nullish(),
    address: z.string().trim().max(300).nullish(),
    supervisingUnitCode: z.string().trim().max(30).optional(),
    effectiveOn: isoDate.optional(),
  })
  .strict();

export const renameBody = z.object({ name: trimmed(200), effectiveOn: isoDate.optional() });
export const closeBody = z.object({
  effectiveOn: isoDate.optional(),
  reason: z.string().trim().max(500).optional(),
});
export const reopenBody = z.object({ effectiveOn: isoDate.optional() });
export const mergeBody = z.object({
  intoUnitId: z.number().int().positive(),
  effectiveOn: isoDate.optional(),
});
export const moveBody = z.object({ parentCode: trimmed(20), effectiveOn: isoDate.optional() });

export const unitEventSchema = z.object({
  id: z.number(),
  eventType: z.string(),
  effectiveOn: z.string(),
  details: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});

export const divisionSchema = z.object({
  code: z.string(),
  name: z.string(),
  level: z.number(),
  parentCode: z.string().nullable(),
  provinceCode: z.string(),
});
