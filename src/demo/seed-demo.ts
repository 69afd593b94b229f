/**
 * The demo data set of `npm start` (data/demo/demo.json): one province (Zhejiang) with two
 * prefectures, four counties and 40 schools, accounts at every level and a few responsible
 * persons. Loading twice changes nothing: what exists is kept.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { systemContext } from "../bootstrap";
import { projectRoot } from "../config";
import { inTransaction } from "../db/database";
import type { AppServices } from "../http/services";
import { hashPassword } from "../platform/access/passwords";
import * as responsible from "../platform/access/responsible.service";
import { recordAudit } from "../platform/audit/audit.service";
import { openSchool, type SchoolInput } from "../platform/orgs/orgs.service";

interface DemoUser {
  username: string;
  displayName: string;
  unitCode: string;
  roles: string[];
  level: string;
  mustChangePassword?: boolean;
}

interface DemoFile {
  demoPassword: string;
  schools: SchoolInput[];
  users: DemoUser[];
  responsiblePersons: {
    unitCode: string;
    system: string;
    duty: "leader" | "operator";
    name: string;
    position: string;
    phone: string;
  }[];
}

export async function readDemoFile(): Promise<DemoFile> {
  return JSON.parse(await readFile(path.join(projectRoot, "data", "demo", "demo.json"), "utf8")) as DemoFile;
}

export interface DemoReport {
  schoolsCreated: number;
  usersCreated: number;
  users: { username: string; displayName: string; level: string; unitCode: string }[];
  password: string;
}

export async function seedDemo(services: AppServices): Promise<DemoReport> {
  const demo = await readDemoFile();
  const ctx = await systemContext(services);
  let schoolsCreated = 0;
  for (const school of demo.schools) {
    const exists = await services.db
      .selectFrom("school")
      .select("unit_id")
      .where("school_code", "=", school.schoolCode)
      .executeTakeFirst();
    if (exists) continue;
    await openSchool(ctx, { ...school, openedOn: school.openedOn ?? "2010-09-01" });
    schoolsCreated++;
  }
  const passwordHash = await hashPassword(demo.demoPassword);
  let usersCreated = 0;
  for (const user of demo.users) {
    const exists = await services.db
      .selectFrom("app_user")
      .select("id")
      .where("username", "=", user.username)
      .executeTakeFirst();
    if (exists) continue;
    const unit = await services.db
      .selectFrom("org_unit")
      .select(["id", "path"])
      .where("code", "=", user.unitCode)
      .executeTakeFirstOrThrow();
    await inTransaction(services.db, async (trx) => {
      const { id } = await trx
        .insertInto("app_user")
        .values({
          username: user.username,
          display_name: user.displayName,
          unit_id: unit.id,
          password_hash: passwordHash,
          must_change_password: user.mustChangePassword ?? false,
          locked_until: null,
          last_login_at: null,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await trx
        .insertInto("user_role")
        .values(user.roles.map((role_code) => ({ user_id: id, role_code, granted_by: null })))
        .execute();
      await recordAudit(trx, {
        actor: ctx.actor,
        action: "user.create",
        module: "access",
        subjectType: "app_user",
        subjectId: id,
        subjectUnitPath: unit.path,
        detail: { after: { username: user.username, roles: user.roles, demo: true } },
      });
    });
    usersCreated++;
  }
  for (const person of demo.responsiblePersons) {
    const unit = await services.db
      .selectFrom("org_unit")
      .select("id")
      .where("code", "=", person.unitCode)
      .executeTakeFirstOrThrow();
    const named = await services.db
      .selectFrom("responsible_person")
      .select("id")
      .where("unit_id", "=", unit.id)
      .where("system", "=", person.system)
      .where("duty", "=", person.duty)
      .executeTakeFirst();
    if (!named) await responsible.assign(ctx, unit.id, person.system, person.duty, person);
  }
  return {
    schoolsCreated,
    usersCreated,
    users: demo.users.map((u) => ({
      username: u.username,
      displayName: u.displayName,
      level: u.level,
      unitCode: u.unitCode,
    })),
    password: demo.demoPassword,
  };
}
