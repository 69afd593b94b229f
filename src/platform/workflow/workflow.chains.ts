/**
 * Approval chains as data (data/workflow/chains.json → workflow_chain): which level acts at
 * each step and on which side, with a national default and per-province replacements. At
 * submission a chain is resolved into concrete acting units — the school itself for "school",
 * the county's education (or HR) department for "county", and so on up to the nation — and the
 * resolved steps are stored with the request, so later edits of the file or the tree do not
 * move requests already under way.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { projectRoot } from "../../config";
import type { Executor } from "../../db/database";
import type { WorkflowLevel, WorkflowSide } from "../../db/schema";
import { unprocessable } from "../../shared/errors";
import { administrativeLine, departmentOf, departmentSideOf, type UnitRow } from "../signing/units";
import { separationSchema } from "./workflow.separation";

export const LEVELS = ["school", "county", "prefecture", "province", "nation"] as const;
export const SIDES = ["subject", "sending", "receiving"] as const;
const RELATIONS = ["same_county", "same_province", "cross_province"] as const;
export type Relation = (typeof RELATIONS)[number];

const LEVEL_ZH: Record<WorkflowLevel, string> = {
  school: "学校",
  county: "县",
  prefecture: "地市",
  province: "省",
  nation: "国家",
};

const stepSchema = z.object({
  level: z.enum(LEVELS),
  side: z.enum(SIDES).default("subject"),
  limitDays: z.number().int().positive().max(365).optional(),
  ifPresent: z.boolean().default(false),
  when: z
    .object({
      stages: z.array(z.string().min(1)).min(1).optional(),
      provinces: z
        .array(z.string().regex(/^\d{2}$/))
        .min(1)
        .optional(),
    })
    .optional(),
  labelZh: z.string().optional(),
  labelEn: z.string().optional(),
});
export type ChainStepTemplate = z.infer<typeof stepSchema>;

const chainSchema = z
  .object({
    titleZh: z.string().min(1),
    titleEn: z.string().min(1),
    limitDays: z.number().int().positive().max(365).optional(),
    steps: z.array(stepSchema).min(1).optional(),
    variants: z.partialRecord(z.enum(RELATIONS), z.array(stepSchema).min(1)).optional(),
    /** Widenings of separation of duties (workflow.separation.ts); the base rule always holds. */
    separation: separationSchema.optional(),
  })
  .refine((chain) => (chain.steps === undefined) !== (chain.variants === undefined), {
    message: "a chain has either steps or variants",
  });
export type ChainDefinition = z.infer<typeof chainSchema>;

const chainCode = z.string().regex(/^[a-z][a-z0-9_]*$/);
const chainsFileSchema = z.object({
  defaultLimitDays: z.number().int().positive().max(365).default(10),
  default: z.record(chainCode, chainSchema),
  provinces: z.record(z.string().regex(/^\d{2}$/), z.record(chainCode, chainSchema)).default({}),
});

export const CHAINS_FILE = path.join(projectRoot, "data", "workflow", "chains.json");

/** Fills every step's limit from the chain's or the file's default, so a stored chain stands alone. */
function withLimits(chain: ChainDefinition, fileDefault: number): ChainDefinition {
  const limit = chain.limitDays ?? fileDefault;
  const fill = (steps: ChainStepTemplate[]) => steps.map((s) => ({ ...s, limitDays: s.limitDays ?? limit }));
  if (chain.steps) return { ...chain, limitDays: limit, steps: fill(chain.steps) };
  const variants = Object.fromEntries(
    Object.entries(chain.variants ?? {}).map(([relation, steps]) => [relation, fill(steps)]),
  );
  return { ...chain, limitDays: limit, variants };
}

/** Replaces the chains table with the file's content (validated as a whole first). */
export async function syncWorkflowChains(db: Executor, file = CHAINS_FILE): Promise<number> {
  const result = chainsFileSchema.safeParse(JSON.parse(await readFile(file, "utf8")));
  if (!result.success) {
    // Name the chain and the key: a refused file (e.g. one narrowing separation of duties) must say why.
    const issues = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`${path.relative(projectRoot, file)} refused: ${issues.join("; ")}`);
  }
  const parsed = result.data;
  const rows = [
    ...Object.entries(parsed.default).map(([code, chain]) => ({ scope: "default", code, chain })),
    ...Object.entries(parsed.provinces).flatMap(([province, chains]) =>
      Object.entries(chains).map(([code, chain]) => ({ scope: province, code, chain })),
    ),
  ];
  await db.deleteFrom("workflow_chain").execute();
  if (rows.length > 0) {
    await db
      .insertInto("workflow_chain")
      .values(
        rows.map((r) => ({
          scope: r.scope,
          code: r.code,
          definition: JSON.stringify(withLimits(r.chain, parsed.defaultLimitDays)),
        })),
      )
      .execute();
  }
  return rows.length;
}

/** The units a request concerns, by side. `subject` (or `receiving`) is the one that starts it. */
export type PartyUnits = Partial<Record<WorkflowSide, UnitRow>>;

export interface ResolvedStep {
  stepNo: number;
  level: WorkflowLevel;
  side: WorkflowSide;
  actingUnit: UnitRow;
  limitDays: number;
  labelZh: string | null;
}

export interface ChainResolution {
  chainScope: string;
  steps: ResolvedStep[];
}

function notConfigured(chain: string, detail: string) {
  return unprocessable("chain_not_configured", { chain, detail });
}

export function initiatingParty(parties: PartyUnits): UnitRow | undefined {
  return parties.subject ?? parties.receiving;
}

async function loadChain(db: Executor, code: string, province: string | null) {
  const rows = await db
    .selectFrom("workflow_chain")
    .select(["scope", "definition"])
    .where("code", "=", code)
    .where("scope", "in", province ? [province, "default"] : ["default"])
    .execute();
  const row = rows.find((r) => r.scope !== "default") ?? rows[0];
  if (!row) throw notConfigured(code, "no definition");
  const parsed = chainSchema.safeParse(row.definition);
  if (!parsed.success) throw notConfigured(code, `invalid definition for ${row.scope}`);
  return { scope: row.scope, chain: parsed.data };
}

async function countyOf(db: Executor, unit: UnitRow): Promise<number | undefined> {
  return (await administrativeLine(db, unit)).find((a) => a.kind === "county")?.id;
}

export async function relationOf(db: Executor, sending: UnitRow, receiving: UnitRow): Promise<Relation> {
  const sendingCounty = await countyOf(db, sending);
  const receivingCounty = await countyOf(db, receiving);
  if (sendingCounty !== undefined && sendingCounty === receivingCounty) return "same_county";
  if (sending.province_code && sending.province_code === receiving.province_code) return "same_province";
  return "cross_province";
}

/** The unit that acts at a level for a unit's line, or undefined when the line has no such level. */
export async function actingUnitFor(
  db: Executor,
  level: WorkflowLevel,
  unit: UnitRow,
): Promise<UnitRow | undefined> {
  if (level === "school") return unit.kind === "school" ? unit : undefined;
  const admin = (await administrativeLine(db, unit)).find((a) => a.kind === level);
  if (!admin) return undefined;
  return departmentOf(db, admin.id, await departmentSideOf(db, unit));
}

function appliesTo(template: ChainStepTemplate, unit: UnitRow): boolean {
  const when = template.when;
  if (!when) return true;
  if (when.stages && !when.stages.some((stage) => unit.stages?.includes(stage))) return false;
  if (when.provinces && !when.provinces.includes(unit.province_code ?? "")) return false;
  return true;
}

async function templatesFor(db: Executor, code: string, chain: ChainDefinition, parties: PartyUnits) {
  if (chain.steps) return chain.steps;
  if (!parties.sending || !parties.receiving) {
    throw notConfigured(code, "its variants need a sending and a receiving unit");
  }
  const relation = await relationOf(db, parties.sending, parties.receiving);
  const steps = chain.variants?.[relation];
  if (!steps) throw notConfigured(code, `no variant for ${relation}`);
  return steps;
}

/**
 * Resolves a chain for the parties of a request: picks the province's chain (else the
 * default), the variant for the parties' relation, and the acting unit of every step.
 * Refuses with chain_level_missing when a required level does not exist above its unit.
 */
export async function resolveChain(
  db: Executor,
  code: string,
  parties: PartyUnits,
): Promise<ChainResolution> {
  const initiating = initiatingParty(parties);
  if (!initiating) throw notConfigured(code, "no subject unit");
  const { scope, chain } = await loadChain(db, code, initiating.province_code);
  const steps: ResolvedStep[] = [];
  for (const template of await templatesFor(db, code, chain, parties)) {
    const sideUnit = parties[template.side];
    if (!sideUnit) throw notConfigured(code, `no ${template.side} unit`);
    if (!appliesTo(template, sideUnit)) continue;
    const actingUnit = await actingUnitFor(db, template.level, sideUnit);
    if (!actingUnit) {
      if (template.ifPresent) continue;
      throw unprocessable("chain_level_missing", {
        chain: code,
        level: template.level,
        levelZh: LEVEL_ZH[template.level],
        unit: sideUnit.name,
      });
    }
    steps.push({
      stepNo: steps.length + 1,
      level: template.level,
      side: template.side,
      actingUnit,
      limitDays: template.limitDays ?? chain.limitDays ?? 10,
      labelZh: template.labelZh ?? null,
    });
  }
  if (steps.length === 0) throw notConfigured(code, "no step applies");
  return { chainScope: scope, steps };
}
