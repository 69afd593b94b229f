import { z } from "zod";
import type { AppServices } from "../../http/services";
import type { ZodApp } from "../../http/zod-app";
import { getCodeSet, listCodeSets } from "./codes.service";

const codeSetSummary = z.object({
  name: z.string(),
  titleZh: z.string(),
  titleEn: z.string(),
  source: z.string(),
  note: z.string().nullable(),
  itemCount: z.number(),
});

const codeItem = z.object({
  code: z.string(),
  labelZh: z.string(),
  labelEn: z.string(),
  parentCode: z.string().nullable(),
  isActive: z.boolean(),
});

export function registerCodeRoutes(app: ZodApp, services: AppServices): void {
  app.get(
    "/api/v1/code-sets",
    {
      config: { access: { module: "codes", action: "read" } },
      schema: {
        tags: ["codes"],
        summary: "List the code sets (代码集)",
        response: { 200: z.object({ items: z.array(codeSetSummary) }) },
      },
    },
    async () => {
      const rows = await listCodeSets(services.db);
      return {
        items: rows.map((r) => ({
          name: r.name,
          titleZh: r.title_zh,
          titleEn: r.title_en,
          source: r.source,
          note: r.note,
          itemCount: Number(r.item_count),
        })),
      };
    },
  );

  app.get(
    "/api/v1/code-sets/:name",
    {
      config: { access: { module: "codes", action: "read" } },
      schema: {
        tags: ["codes"],
        summary: "One code set with its items in the standard's order",
        params: z.object({
          name: z
            .string()
            .regex(/^[a-z][a-z0-9_]*$/)
            .max(64),
        }),
        response: { 200: codeSetSummary.omit({ itemCount: true }).extend({ items: z.array(codeItem) }) },
      },
    },
    async (request) => {
      const { set, items } = await getCodeSet(services.db, request.params.name);
      return {
        name: set.name,
        titleZh: set.title_zh,
        titleEn: set.title_en,
        source: set.source,
        note: set.note,
        items: items.map((i) => ({
          code: i.code,
          labelZh: i.label_zh,
          labelEn: i.label_en,
          parentCode: i.parent_code,
          isActive: i.is_active,
        })),
      };
    },
  );
}
