/** Roles and permissions as data (data/access/roles.json), loaded into tables by migrate. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { projectRoot } from "../../config";
import type { Executor } from "../../db/database";
import { ACTIONS, MODULES } from "./actor";

const permissionPattern = new RegExp(`^(${MODULES.join("|")}):(${ACTIONS.join("|")})$`);

const rolesFileSchema = z.object({
  roles: z.array(
    z.object({
      code: z.string().regex(/^[a-z][a-z0-9_]*$/),
      nameZh: z.string().min(1),
      nameEn: z.string().min(1),
      descriptionZh: z.string(),
      unitSides: z.array(z.enum(["education", "finance", "hrss", "school"])).min(1),
      permissions: z.array(z.string().regex(permissionPattern)),
    }),
  ),
});

export async function syncRoles(db: Executor): Promise<number> {
  const text = await readFile(path.join(projectRoot, "data", "access", "roles.json"), "utf8");
  const { roles } = rolesFileSchema.parse(JSON.parse(text));
  for (const role of roles) {
    const values = {
      name_zh: role.nameZh,
      name_en: role.nameEn,
      description_zh: role.descriptionZh,
      unit_sides: role.unitSides,
      is_builtin: true,
    };
    await db
      .insertInto("role")
      .values({ code: role.code, ...values })
      .onConflict((oc) => oc.column("code").doUpdateSet(values))
      .execute();
    await db.deleteFrom("role_permission").where("role_code", "=", role.code).execute();
    if (role.permissions.length > 0) {
      await db
        .insertInto("role_permission")
        .values(role.permissions.map((permission) => ({ role_code: role.code, permission })))
        .execute();
    }
  }
  return roles.length;
}

export async function listRoles(db: Executor) {
  const roles = await db.selectFrom("role").selectAll().orderBy("code").execute();
  const permissions = await db.selectFrom("role_permission").selectAll().execute();
  return roles.map((role) => ({
    ...role,
    permissions: permissions.filter((p) => p.role_code === role.code).map((p) => p.permission),
  }));
}
