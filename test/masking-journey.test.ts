/**
 * The masking policy over a whole journey (issue 13 item 5, issue 14 item 4): students with
 * identity numbers and phones are registered, imported, searched, changed under approval, carded
 * into the archive and exported, and every response the console uses — as the school clerk, the
 * school's reviewer, the county leader, the county auditor and the county administrator — and
 * every line of the request log is searched for a full identity number, G number or phone, and for
 * a masked identity number whose hidden digits the rest of the row would give back.
 *
 * The only responses allowed to carry full values are the detail reads listed in EXCEPTIONS; each
 * must have written its audit entry.
 */
import ExcelJS from "exceljs";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app";
import type { ZodApp } from "../src/http/zod-app";
import { STUDENT_FIELDS, templateHeader } from "../src/modules/students/students.fields";
import { computeIdentityCheckCharacter } from "../src/platform/identifiers/identity-number";
import {
  type Client,
  createTestNode,
  createUser,
  openTestSchool,
  signIn,
  TEST_PASSWORD,
  type TestNode,
  unitIdByCode,
} from "./support/app";
import { multipartFile } from "./support/multipart";
import { identityNumber, sampleStudent } from "./support/students";

const SCHOOL = "2133109001";
const PUPIL_ID = identityNumber("20150302", 2); // a girl: even sequence
const SECOND_ID = identityNumber("20140911", 15);
const IMPORTED_ID = identityNumber("20150505", 22);
const NEW_ID = identityNumber("20150302", 4); // the key-field change's corrected number
const GUARDIAN_ID = identityNumber("19850607", 13);
const PUPIL_PHONE = "13512345678";
const GUARDIAN_PHONE = "13787654321";
const USER_PHONE = "13698765432";

const FULL_IDENTITY_NUMBERS = [PUPIL_ID, SECOND_ID, IMPORTED_ID, NEW_ID, GUARDIAN_ID];
/** Every value that must never appear outside the audited detail reads. */
const SECRETS = [...FULL_IDENTITY_NUMBERS, PUPIL_PHONE, GUARDIAN_PHONE, USER_PHONE];

/** The routes (and only those) that show personal data in full, each auditing the read. */
const FULL_ROUTES = [
  "GET /api/v1/students/:id",
  "GET /api/v1/students/:id/as-of",
  "GET /api/v1/users/:id",
  "GET /api/v1/workflow/requests/:id",
];

let node: TestNode;
let app: ZodApp;
const logLines: string[] = [];

interface Seen {
  label: string;
  text: string;
}
const seen: Seen[] = [];
const exceptions: { label: string; text: string; audited: boolean }[] = [];

let clerk: Client;
let reviewer: Client;
let leader: Client;
let auditor: Client;
let admin: Client;

/** The text of a response: JSON and CSV as they are, XLSX as every cell of every sheet. */
async function textOf(response: LightMyRequestResponse): Promise<string> {
  const type = String(response.headers["content-type"] ?? "");
  if (type.includes("spreadsheetml")) {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(response.rawPayload as unknown as ArrayBuffer);
    const cells: string[] = [];
    workbook.eachSheet((sheet) =>
      sheet.eachRow((row) => row.eachCell((c) => cells.push(String(c.text ?? c.value ?? "")))),
    );
    return cells.join("\n");
  }
  return response.body;
}

/** The few fields of JSON answers the journey goes on with. */
interface Answer {
  id: number;
  jobId: number;
  version: number;
  items: unknown[];
}

/** Records a response for the search; fails the journey on an unexpected status. */
async function look(label: string, response: LightMyRequestResponse, status = 200): Promise<Answer> {
  expect(response.statusCode, `${label}: ${response.body.slice(0, 300)}`).toBe(status);
  seen.push({ label, text: await textOf(response) });
  return String(response.headers["content-type"] ?? "").includes("json")
    ? (response.json() as Answer)
    : ({} as Answer);
}

async function auditCount(): Promise<number> {
  const { n } = await node.services.db
    .selectFrom("audit_log")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(n);
}

/** A read allowed to show values in full: it must write an audit entry of its own. */
async function lookInFull(label: string, request: () => Promise<LightMyRequestResponse>): Promise<Answer> {
  const before = await auditCount();
  const response = await request();
  expect(response.statusCode, `${label}: ${response.body.slice(0, 300)}`).toBe(200);
  exceptions.push({ label, text: response.body, audited: (await auditCount()) > before });
  return response.json() as Answer;
}

function csvOf(rows: Record<string, unknown>[]): Buffer {
  const keys = STUDENT_FIELDS.map((f) => f.key);
  const lines = [
    STUDENT_FIELDS.map(templateHeader).join(","),
    ...rows.map((r) => keys.map((k) => r[k] ?? "").join(",")),
  ];
  return Buffer.from(lines.join("\r\n"), "utf8");
}

/**
 * How many identity numbers agree with a masked one once the birth date and the sex (printed in
 * the same row) and the address code (the school's county) are known: the hidden sequence digits
 * are tried, and the check character, shown or hidden, must fit. One candidate means the mask hid
 * nothing.
 */
function candidatesBehindMask(masked: string, full: string): number {
  const hidden = [...masked].flatMap((c, i) => (c === "*" ? [i] : []));
  const unknownSequence = hidden.filter((i) => i >= 14 && i <= 16);
  let count = 0;
  const total = 10 ** unknownSequence.length;
  for (let n = 0; n < total; n++) {
    const digits = [...full];
    let rest = n;
    for (const i of unknownSequence) {
      digits[i] = String(rest % 10);
      rest = Math.floor(rest / 10);
    }
    if (Number(digits[16]) % 2 !== Number(full[16]) % 2) continue; // the sex is shown
    const check = computeIdentityCheckCharacter(digits.slice(0, 17).join(""));
    if (!hidden.includes(17) && check !== masked[17]) continue;
    count++;
  }
  return count;
}

/** The problems found in one text: full values, and masks that give the value back. */
function leaksIn(text: string): string[] {
  const found: string[] = [];
  for (const secret of SECRETS) if (text.includes(secret)) found.push(`full value ${secret}`);
  for (const token of text.match(/[0-9Xx*]{18}/g) ?? []) {
    if (!token.includes("*")) continue;
    for (const full of FULL_IDENTITY_NUMBERS) {
      const agrees = [...token].every((c, i) => c === "*" || c.toUpperCase() === full[i]);
      if (agrees && candidatesBehindMask(token, full) <= 10) found.push(`${token} gives back ${full}`);
    }
  }
  return found;
}

beforeAll(async () => {
  node = await createTestNode();
  // The same node's services behind an app that logs, into memory, as `npm start` does.
  app = await buildApp(node.services, {
    logger: { level: "info", stream: { write: (line: string) => logLines.push(line) } },
  });
  const logged: TestNode = { ...node, app };
  await openTestSchool(node, { schoolCode: SCHOOL, divisionCode: "330102" });
  await createUser(node, { username: "m_clerk", unitCode: SCHOOL, roles: ["data_clerk"], phone: USER_PHONE });
  await createUser(node, { username: "m_reviewer", unitCode: SCHOOL, roles: ["reviewer"] });
  await createUser(node, { username: "m_leader", unitCode: "330102-EDU", roles: ["unit_leader"] });
  await createUser(node, { username: "m_auditor", unitCode: "330102-EDU", roles: ["auditor"] });
  await createUser(node, { username: "m_admin", unitCode: "330102-EDU", roles: ["system_admin"] });
  clerk = await signIn(logged, "m_clerk");
  reviewer = await signIn(logged, "m_reviewer");
  leader = await signIn(logged, "m_leader");
  auditor = await signIn(logged, "m_auditor");
  admin = await signIn(logged, "m_admin");
});
afterAll(async () => {
  await app.close();
  await node.close();
});

describe("the masking journey", () => {
  it("shows no full or derivable identity number, G number or phone outside the audited detail reads", async () => {
    // A failed sign-in by phone number: the attempt is audited with the login typed.
    await look(
      "failed login by phone",
      await app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { login: USER_PHONE, password: `${TEST_PASSWORD}x` },
      }),
      401,
    );

    // Registration: a pupil with guardians, a second pupil, a suspected duplicate, a pupil without ID.
    const pupil = await look(
      "register pupil",
      await clerk.send("POST", "/api/v1/students", {
        ...sampleStudent("20150302", { sequence: 2 }),
        name: "王小红",
        phone: PUPIL_PHONE,
        guardian1Phone: GUARDIAN_PHONE,
        guardian1IdType: "1",
        guardian1IdNumber: GUARDIAN_ID,
      }),
      201,
    );
    await look(
      "register second pupil",
      await clerk.send("POST", "/api/v1/students", {
        ...sampleStudent("20140911", { sequence: 15 }),
        name: "李小刚",
        phone: PUPIL_PHONE,
      }),
      201,
    );
    await look(
      "register a suspected duplicate",
      await clerk.send("POST", "/api/v1/students", {
        ...sampleStudent("20150302", { sequence: 2 }),
        name: "王小红二",
      }),
      201,
    );
    await look(
      "register without identity number",
      await clerk.send("POST", "/api/v1/students", {
        ...sampleStudent("20160815"),
        idDocumentType: "Z",
        identityNumber: "",
        name: "赵无证",
        sex: "1",
      }),
      201,
    );

    // An import: preview, the job, the list of imports, the commit.
    const file = multipartFile(
      "学生.csv",
      csvOf([{ ...sampleStudent("20150505", { sequence: 22 }), name: "钱小导", phone: PUPIL_PHONE }]),
    );
    const preview = await look(
      "import preview",
      await clerk.send("POST", "/api/v1/students/imports?wait=true", file.payload, file.headers),
    );
    await look("import job", await clerk.get(`/api/v1/jobs/${preview.jobId}`));
    await look("imports list", await clerk.get("/api/v1/students/imports"));
    const committed = await look(
      "import commit",
      await clerk.send("POST", `/api/v1/students/imports/${preview.jobId}/commit?wait=true`),
    );
    await look(
      "import job after commit",
      await clerk.get(`/api/v1/jobs/${committed.jobId ?? preview.jobId}`),
    );

    // Lists and searches, by identity number, G number and name, as every role that reads them.
    for (const [who, client] of [
      ["clerk", clerk],
      ["reviewer", reviewer],
      ["leader", leader],
      ["auditor", auditor],
    ] as const) {
      const list = await look(`${who}: student list`, await client.get("/api/v1/students?pageSize=200"));
      expect(list.items.length).toBeGreaterThanOrEqual(5);
      await look(`${who}: search by identity number`, await client.get(`/api/v1/students?q=${PUPIL_ID}`));
      await look(`${who}: search by G number`, await client.get(`/api/v1/students?q=G${PUPIL_ID}`));
      await look(
        `${who}: search by name`,
        await client.get(`/api/v1/students?q=${encodeURIComponent("王")}`),
      );
      await look(`${who}: problems`, await client.get("/api/v1/students/problems"));
      await look(`${who}: history`, await client.get(`/api/v1/students/${pupil.id}/history`));
      await look(`${who}: the student's requests`, await client.get(`/api/v1/students/${pupil.id}/requests`));
    }

    // The registry card into the archive, and the archive read by title, subject and item.
    const card = await look("issue card", await clerk.send("POST", `/api/v1/students/${pupil.id}/card`), 201);
    for (const [who, client] of [
      ["clerk", clerk],
      ["leader", leader],
    ] as const) {
      await look(`${who}: archive`, await client.get("/api/v1/archive/items"));
      await look(
        `${who}: archive by student number`,
        await client.get(`/api/v1/archive/items?subjectType=student_number&subjectId=G${PUPIL_ID}`),
      );
      await look(`${who}: archive item`, await client.get(`/api/v1/archive/items/${card.id}`));
    }

    // A key-field change of the identity number, through the inbox of both steps.
    const schoolId = await unitIdByCode(node, SCHOOL);
    const submitted = await look(
      "submit key-field change",
      await clerk.send("POST", "/api/v1/workflow/requests", {
        type: "student_key_change",
        payload: {
          studentId: pupil.id,
          schoolId,
          changes: { identityNumber: NEW_ID },
          reason: `证件号 ${PUPIL_ID} 录入错误，应为 ${NEW_ID}`,
        },
      }),
      201,
    );
    await look("clerk: requests", await clerk.get("/api/v1/workflow/requests"));
    await look("reviewer: inbox", await reviewer.get("/api/v1/workflow/inbox"));
    const detail = await lookInFull("reviewer: request detail", () =>
      reviewer.get(`/api/v1/workflow/requests/${submitted.id}`),
    );
    await look(
      "reviewer: approve",
      await reviewer.send("POST", `/api/v1/workflow/requests/${submitted.id}/approve`, {
        expectedVersion: detail.version,
      }),
    );
    await look("leader: inbox", await leader.get("/api/v1/workflow/inbox"));
    await look("leader: overdue", await leader.get("/api/v1/workflow/overdue"));
    await look("leader: requests", await leader.get("/api/v1/workflow/requests"));
    const second = await lookInFull("leader: request detail", () =>
      leader.get(`/api/v1/workflow/requests/${submitted.id}`),
    );
    await look(
      "leader: approve",
      await leader.send("POST", `/api/v1/workflow/requests/${submitted.id}/approve`, {
        expectedVersion: second.version,
      }),
    );
    await look("clerk: history after the change", await clerk.get(`/api/v1/students/${pupil.id}/history`));
    await look("leader: archive after approval", await leader.get("/api/v1/archive/items"));

    // Exports, masked, as CSV and XLSX, by everyone who may export.
    for (const [who, client] of [
      ["clerk", clerk],
      ["leader", leader],
    ] as const) {
      await look(`${who}: export csv`, await client.get("/api/v1/students/export?format=csv"));
      await look(`${who}: export xlsx`, await client.get("/api/v1/students/export?format=xlsx"));
      await look(
        `${who}: export csv of a search by identity number`,
        await client.get(`/api/v1/students/export?format=csv&q=${NEW_ID}`),
      );
    }
    await look("schools export", await leader.get("/api/v1/schools/export?format=csv"));

    // The audit trail, as those who read it.
    for (const [who, client] of [
      ["leader", leader],
      ["auditor", auditor],
      ["admin", admin],
    ] as const) {
      await look(`${who}: audit`, await client.get("/api/v1/audit?limit=200"));
    }

    // Accounts: the list masks phones; the account itself is a detail read.
    await look("admin: users", await admin.get("/api/v1/users?pageSize=200"));
    const clerkUser = await node.services.db
      .selectFrom("app_user")
      .select("id")
      .where("username", "=", "m_clerk")
      .executeTakeFirstOrThrow();
    await lookInFull("admin: user detail", () => admin.get(`/api/v1/users/${clerkUser.id}`));

    // The detail reads of the student: in full, audited.
    await lookInFull("clerk: student detail", () => clerk.get(`/api/v1/students/${pupil.id}`));
    await lookInFull("leader: student as of a date", () =>
      leader.get(`/api/v1/students/${pupil.id}/as-of?date=2099-01-01`),
    );

    // What the journey saw: nothing in full, nothing a row gives back.
    const leaks = seen.flatMap((s) => leaksIn(s.text).map((leak) => `${s.label}: ${leak}`));
    // Soft, so that a failure names every kind of leak at once (responses, log, unaudited reads).
    expect.soft(leaks).toEqual([]);
    const logged = logLines.flatMap((line) =>
      leaksIn(line).map((leak) => `log: ${leak} in ${line.slice(0, 200)}`),
    );
    expect(logLines.length).toBeGreaterThan(seen.length);
    expect.soft(logged).toEqual([]);

    // The exceptions did show values in full (so the search above would have found them) and audited each read.
    expect.soft(exceptions.filter((e) => !e.audited).map((e) => e.label)).toEqual([]);
    expect(exceptions.some((e) => e.text.includes(NEW_ID))).toBe(true);
  });

  it("lets only the listed detail routes show personal data in full", () => {
    expect([...(app.fullPersonalDataRoutes ?? [])].sort()).toEqual([...FULL_ROUTES].sort());
  });
});
