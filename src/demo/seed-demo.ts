/**
 * The demo data set of `npm start` (data/demo/demo.json): one province (Zhejiang) with two
 * prefectures, four counties and 40 schools, accounts at every level and a few responsible
 * persons. Loading twice changes nothing: what exists is kept.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { systemContext } from "../bootstrap";
import { registerStudent } from "../modules/students/students.service";
// Registers the student request types used by the demo's pending request.
import "../modules/students/students.workflow";
import { projectRoot } from "../config";
import { inTransaction } from "../db/database";
import type { AppServices } from "../http/services";
import { buildActor } from "../platform/access/auth.service";
import { hashPassword } from "../platform/access/passwords";
import * as responsible from "../platform/access/responsible.service";
import { recordAudit } from "../platform/audit/audit.service";
import { openSchool, type SchoolInput } from "../platform/orgs/orgs.service";
import { signingServicesFor, withSigning } from "../platform/signing/signing.context";
import { decide, submitRequest } from "../platform/workflow/workflow.service";
import { AppError } from "../shared/errors";
import { formatMessage } from "../shared/messages";

interface DemoUser {
  username: string;
  displayName: string;
  unitCode: string;
  roles: string[];
  level: string;
  mustChangePassword?: boolean;
}

interface DemoStudent {
  schoolCode: string;
  name: string;
  sex: string;
  birthDate: string;
  identityNumber: string;
  grade: string;
  className: string;
}

interface DemoFile {
  demoPassword: string;
  schools: SchoolInput[];
  users: DemoUser[];
  students: { defaults: Record<string, string>; records: DemoStudent[]; duplicateOf: number };
  pendingRequest: {
    type: string;
    submittedBy: string;
    approvedBy: string[];
    studentIndex: number;
    reason: string;
    from: string;
    until: string;
  };
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
  studentsCreated: number;
  users: { username: string; displayName: string; level: string; unitCode: string }[];
  password: string;
}

/**
 * The demo's pending request is approved with signatures: where signing cannot work (PostgreSQL
 * without EDUMIS_SIGNING_KEY) the load must stop before it writes anything, not after the
 * students, which a second start would then skip for good.
 */
async function requireSigningKey(services: AppServices): Promise<void> {
  try {
    await signingServicesFor(services.config).vault.encrypt("00", "demo-signing-key-check");
  } catch (error) {
    if (!(error instanceof AppError && error.code === "signing_unavailable")) throw error;
    throw new Error(
      `${formatMessage("signing_unavailable", "zh-CN")}：请设置 EDUMIS_SIGNING_KEY（32 字节随机数的 Base64，如 openssl rand -base64 32）后重新启动，演示数据未写入。\n` +
        `${formatMessage("signing_unavailable", "en")}: set EDUMIS_SIGNING_KEY (32 random bytes in Base64, e.g. openssl rand -base64 32) and start again; no demo data was written.`,
    );
  }
}

export async function seedDemo(services: AppServices): Promise<DemoReport> {
  const demo = await readDemoFile();
  await requireSigningKey(services);
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
  const studentsCreated = await seedStudents(services, demo);
  return {
    schoolsCreated,
    usersCreated,
    studentsCreated,
    users: demo.users.map((u) => ({
      username: u.username,
      displayName: u.displayName,
      level: u.level,
      unitCode: u.unitCode,
    })),
    password: demo.demoPassword,
  };
}

async function actorOf(services: AppServices, username: string) {
  const user = await services.db
    .selectFrom("app_user")
    .selectAll()
    .where("username", "=", username)
    .executeTakeFirstOrThrow();
  return buildActor(services.db, user, {});
}

/**
 * Students of one demo school, one of them registered twice (a suspected duplicate in the
 * problem queue), and a suspension request approved by the school and waiting at the county,
 * so that a county user finds work in the inbox on the first start. Only on a school that has
 * no students yet, so a second start adds nothing.
 */
async function seedStudents(services: AppServices, demo: DemoFile): Promise<number> {
  const { records } = demo.students;
  const schoolCode = records[0]?.schoolCode;
  if (!schoolCode) return 0;
  const school = await services.db
    .selectFrom("school")
    .select("unit_id")
    .where("school_code", "=", schoolCode)
    .executeTakeFirstOrThrow();
  // One transaction: the students, the duplicate and the signed approvals are there together
  // or not at all, so a start that fails midway leaves nothing a second start would skip.
  return inTransaction(services.db, (trx) => seedStudentsIn({ ...services, db: trx }, demo, school.unit_id));
}

async function seedStudentsIn(services: AppServices, demo: DemoFile, schoolUnitId: number): Promise<number> {
  const { defaults, records, duplicateOf } = demo.students;
  const existing = await services.db
    .selectFrom("student")
    .select("id")
    .where("school_unit_id", "=", schoolUnitId)
    .limit(1)
    .execute();
  if (existing.length > 0) return 0;
  const clerk = {
    db: services.db,
    codes: services.codes,
    actor: await actorOf(services, demo.pendingRequest.submittedBy),
  };
  const ids: number[] = [];
  for (const record of records) {
    ids.push(
      (
        await registerStudent(
          clerk,
          { ...defaults, ...record, enrolmentMonth: "202309" },
          { effectiveOn: "2023-09-01" },
        )
      ).id,
    );
  }
  await registerStudent(clerk, { ...defaults, ...records[duplicateOf]!, enrolmentMonth: "202309" });
  const pending = demo.pendingRequest;
  const submitted = await submitRequest(clerk, {
    type: pending.type,
    payload: {
      studentId: ids[pending.studentIndex],
      schoolId: schoolUnitId,
      reason: pending.reason,
      from: pending.from,
      until: pending.until,
    },
  });
  let version = submitted.version;
  for (const username of pending.approvedBy) {
    const approver = withSigning(
      { db: services.db, codes: services.codes, actor: await actorOf(services, username) },
      services.config,
    );
    version = (await decide(approver, submitted.id, { decision: "approve", expectedVersion: version }))
      .version;
  }
  return records.length + 1;
}
