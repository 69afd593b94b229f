/**
 * The student registry and approvals in a real browser against a real node: a school clerk
 * registers a student and asks for a class change, a school reviewer approves it; a county
 * user browses the tree, approves a request waiting at the county from the inbox, sees the
 * step signed and verified and finds the decision in the audit log; a county user searches the
 * register, reads a record and its history, and runs the annual promotion to completion.
 *
 * Every registry-change chain starts at the school; the demo's school_head (unit leader of
 * 上城区实验小学) takes the school's steps. Set-up registers students and submits requests through
 * the API, as the school would have done earlier.
 */
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { journey, launchBrowser, screenshot, signIn } from "./support/browser";
import { type ApiSession, apiSession, identityNumber, registration, unitIdOf } from "./support/fixtures";
import { type ConsoleNode, requireWebDist, startConsoleNode } from "./support/node";

let node: ConsoleNode;
let browser: Browser;
let schoolId: number;
let countyId: number;
let clerk: ApiSession;
/** Students registered in set-up, by the part of the suite that uses each. */
const students: Record<"classChange" | "suspension" | "conflict" | "search", { id: number; number: string }> =
  {
    classChange: { id: 0, number: "" },
    suspension: { id: 0, number: "" },
    conflict: { id: 0, number: "" },
    search: { id: 0, number: "" },
  };
/** Requests submitted in set-up that wait at the county (the school step already approved). */
let countyRequest = 0;
let conflictRequest = 0;

/**
 * Picks an option of an antd Select found by its field label as a clerk does at the keyboard:
 * type to narrow the list, wait until this select highlights the option, press Enter, and wait
 * until the select shows it.
 *
 * Not by clicking the option: after the list narrows, Playwright may scroll the page to bring the
 * option into view, and the dropdown then realigns (flips above or below its select) a frame later.
 * On a busy machine that lands between mousedown and mouseup, the click falls on the page behind,
 * nothing is chosen, and the form then refuses to submit for a required field — journey (g)'s
 * occasional 30 s wait for the API's answer, which was never asked for.
 */
async function choose(page: Page, scope: Page | Locator, label: string, text: string): Promise<void> {
  // Options read "code label" (or just the label): the wanted one ends with the text as a word.
  const option = new RegExp(`(^|\\s)${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
  const input = scope.getByLabel(label, { exact: true });
  await input.click();
  await input.fill(text);
  // The combobox names its highlighted option (aria-activedescendant): Enter takes that one.
  await expect
    .poll(async () => {
      const active = await input.getAttribute("aria-activedescendant");
      if (!active) return "";
      // Short reads: the list may re-render between the two look-ups; the poll simply asks again.
      const item = page.locator(`[id="${active}"]`).first();
      const read = (name: string) => item.getAttribute(name, { timeout: 1000 }).catch(() => null);
      return ((await read("aria-label")) ?? (await read("title")) ?? "").trim();
    })
    .toMatch(option);
  await input.press("Enter");
  // The chosen label replaces the typed text in the select's own box.
  await expect
    .poll(async () => ((await input.locator("xpath=..").textContent()) ?? "").trim())
    .toMatch(option);
}

/** Types a date (or month) into an antd DatePicker and confirms it. */
async function pickDate(scope: Page | Locator, label: string, value: string): Promise<void> {
  const input = scope.getByLabel(label, { exact: true });
  await input.click();
  await input.fill(value);
  await input.press("Enter");
}

async function submitWaitingAtCounty(studentId: number, reason: string): Promise<number> {
  const request = await clerk.call<{ id: number }>("POST", "/workflow/requests", {
    type: "student_suspension",
    title: `休学：${reason}`,
    payload: { studentId, schoolId, from: "2026-12-01", until: "2027-06-30", reason },
  });
  const reviewer = await apiSession(node, "school_head");
  await reviewer.call("POST", `/workflow/requests/${request.id}/approve`, {
    expectedVersion: 1,
    comment: "学校同意",
  });
  return request.id;
}

beforeAll(async () => {
  requireWebDist();
  node = await startConsoleNode();
  browser = await launchBrowser();
  schoolId = await unitIdOf(node, "2133000201");
  countyId = await unitIdOf(node, "330102");
  clerk = await apiSession(node, "school_clerk");
  const register = async (name: string, birthDate: string, sequence: number) => {
    const created = await clerk.call<{ id: number; studentNumber: string }>(
      "POST",
      "/students",
      registration({ name, birthDate, sequence }),
    );
    return { id: created.id, number: created.studentNumber };
  };
  students.classChange = await register("李思源", "2017-04-02", 11);
  students.suspension = await register("张一鸣", "2017-05-06", 21);
  students.conflict = await register("赵子涵", "2017-07-08", 32);
  students.search = await register("欧阳明轩", "2017-09-10", 41);
  countyRequest = await submitWaitingAtCounty(students.suspension.id, "张一鸣因病休学");
  conflictRequest = await submitWaitingAtCounty(students.conflict.id, "赵子涵随父母外出");
});

afterAll(async () => {
  await browser?.close();
  await node?.close();
});

describe("student registry and approvals", () => {
  it("(g) a school clerk registers a student through the form and sees the G number; a duplicate is registered and flagged", async () => {
    await journey(browser, node.baseUrl, "g-register", async ({ page, errors }) => {
      await signIn(page, "school_clerk", node.demoPassword);
      await page.getByRole("menuitem", { name: "入学登记" }).click();
      await page.getByRole("heading", { name: "入学登记" }).waitFor();
      // A fresh number per attempt, so that a retried journey starts from an unregistered child.
      const id = identityNumber("330102", "2017-06-01", 100 + (Date.now() % 800));
      const fill = async (birthplace: string) => {
        await page.getByLabel("姓名", { exact: true }).fill("陈小雨");
        await page.getByLabel("身份证件号", { exact: true }).fill(id);
        // A valid resident ID fills in birth date and sex.
        await expect.poll(() => page.getByLabel("出生日期", { exact: true }).inputValue()).toBe("2017-06-01");
        await page.getByLabel("出生地", { exact: true }).fill(birthplace);
        await page.getByLabel("籍贯", { exact: true }).fill("330102");
        await page.getByLabel("户口所在地", { exact: true }).fill("330102");
        await choose(page, page, "户口性质", "非农业");
        await choose(page, page, "年级", "小学三年级");
        await page.getByLabel("班级", { exact: true }).fill("三年级2班");
        await pickDate(page, "入学年月", "2023-09");
        await choose(page, page, "入学方式", "就近入学");
        await choose(page, page, "就读方式", "走读");
        await page.getByLabel("现住址", { exact: true }).fill("杭州市上城区示范路8号");
        await page.getByLabel("通信地址", { exact: true }).fill("杭州市上城区示范路8号");
        await page.getByLabel("家庭地址", { exact: true }).fill("杭州市上城区示范路8号");
        await page.getByLabel("联系电话", { exact: true }).fill("13900002222");
        await page.getByLabel("监护人姓名", { exact: true }).fill("陈大海");
        await choose(page, page, "监护人关系", "父亲");
      };
      // A division code of no province passes the form's own check; the API's answer lands on the field.
      await fill("990102000000");
      await screenshot(page, "register-form-zh");
      await page.getByRole("button", { name: /登\s?记/ }).click();
      await page.getByText("行政区划代码“990102000000”无效").waitFor();
      await page.getByLabel("出生地", { exact: true }).fill("330102001000");
      await page.getByRole("button", { name: /登\s?记/ }).click();
      // The G number is masked like the identity number it contains (the record shows it in full).
      await expect
        .poll(() => page.getByTestId("registered-number").textContent())
        .toBe(`G${id.slice(0, 6)}${"*".repeat(12)}`);
      await screenshot(page, "registered-zh");

      // The same child again: never refused, registered on an L number and flagged.
      await page.getByRole("button", { name: "继续登记" }).click();
      // The form resets asynchronously: fill it only once it is empty, or the reset wipes the input.
      await expect.poll(() => page.getByLabel("姓名", { exact: true }).inputValue()).toBe("");
      await fill("330102001000");
      await page.getByRole("button", { name: /登\s?记/ }).click();
      await page.getByTestId("duplicate-warning").getByText("已登记为疑似重复学籍，等待处理").waitFor();
      expect(await page.getByTestId("registered-number").textContent()).toMatch(/^L\d{18}$/);
      await screenshot(page, "registered-duplicate-zh");
      await page.getByRole("link", { name: "前往问题学籍处理" }).click();
      await page.getByRole("heading", { name: "问题学籍" }).waitFor();
      await page.getByTestId("problems-table").getByText("身份证件号重复").first().waitFor();
      expect(errors).toEqual([]);
    });
  });

  it("(h) the school clerk requests a class change; the school head approves it and the history shows it", async () => {
    const student = students.classChange;
    let requestPath = "";
    await journey(browser, node.baseUrl, "h-class-change-request", async ({ page, errors }) => {
      await signIn(page, "school_clerk", node.demoPassword);
      await page.goto(`/students/${student.id}`);
      await page.getByRole("heading", { name: "李思源" }).waitFor();
      await page.getByRole("button", { name: /学籍异动/ }).click();
      await page.getByRole("menuitem", { name: "调班" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByLabel("新班级").fill("三年级3班");
      await dialog.getByLabel("原因（选填）").fill("家长申请，随兄长同班");
      await screenshot(page, "class-change-form-zh");
      await dialog.getByRole("button", { name: "提交审批" }).click();
      await dialog.waitFor({ state: "hidden" });
      await page.getByText(/已提交调班申请（#\d+），等待审批/).waitFor();
      await page.getByTestId("submitted-request-link").click();
      await page.waitForURL(/\/approvals\/requests\/\d+$/);
      requestPath = new URL(page.url()).pathname;
      await page.getByTestId("request-payload").getByText("李思源").waitFor();
      await page.getByTestId("request-chain").getByText("待审批").waitFor();
      // The submitter may still withdraw; nobody at the school has decided yet.
      await page.getByRole("button", { name: "撤回申请" }).waitFor();
      expect(errors).toEqual([]);
    });
    await journey(browser, node.baseUrl, "h-class-change-approve", async ({ page, errors }) => {
      await signIn(page, "school_head", node.demoPassword);
      await page.getByRole("menuitem", { name: "待我审批" }).click();
      const row = page.getByTestId("inbox-table").getByRole("row").filter({ hasText: "李思源" });
      await row.getByRole("link", { name: /^李思源/ }).click();
      await page.waitForURL(`**${requestPath}`);
      const form = page.getByTestId("decision-form");
      await form.getByLabel("审批意见").fill("同意调班");
      await form.getByTestId("decision-submit").click();
      await page.getByText("已通过", { exact: true }).first().waitFor();
      await page.getByTestId("step-signature-1").getByText("验证通过").waitFor();
      await page.getByTestId("request-archive").getByText("验证通过").waitFor();
      await page.goto(`/students/${student.id}`);
      await page.getByRole("tab", { name: "异动记录" }).click();
      const history = page.getByTestId("student-history");
      await history.getByText("调班", { exact: true }).waitFor();
      await history.getByText("三年级1班 → 三年级3班").waitFor();
      await screenshot(page, "student-history-zh");
      expect(errors).toEqual([]);
    });
  });

  it("(h) a county user browses the tree, opens the inbox, approves a request, sees the step signed and the audit entry", async () => {
    await journey(browser, node.baseUrl, "h-county-approve", async ({ page, errors }) => {
      await signIn(page, "sc_admin", node.demoPassword);
      await expect.poll(() => new URL(page.url()).pathname).toBe(`/units/${countyId}`);
      await page.getByTestId("figure-approvals").waitFor();
      await page.getByRole("menuitem", { name: "机构浏览" }).click();
      await page.getByRole("tree").getByText("杭州市上城区实验小学", { exact: true }).click();
      await page.waitForURL(`**/units/${schoolId}/org`);

      await page.getByRole("menuitem", { name: "待我审批" }).click();
      await page.getByRole("heading", { name: "待我审批" }).waitFor();
      const row = page.getByTestId("inbox-table").getByRole("row").filter({ hasText: "张一鸣因病休学" });
      await row.waitFor();
      expect(await row.textContent()).toContain("县级教育行政部门备案");
      await screenshot(page, "inbox-zh");
      await row.getByRole("link", { name: /办理/ }).click();
      await page.waitForURL(`**/approvals/requests/${countyRequest}`);
      // The name shows in the payload and, once loaded, in the student summary: any one will do.
      await page.getByTestId("request-payload").getByText("张一鸣").first().waitFor();
      await page.getByTestId("request-payload").getByText("2027-06-30").waitFor();
      // The school's decision is already signed and checks out.
      await page.getByTestId("step-signature-1").getByText("验证通过").waitFor();
      await screenshot(page, "request-detail-zh");

      const form = page.getByTestId("decision-form");
      // Returning needs a reason: the form says so before anything is sent.
      await form.getByText("退回修改").click();
      await form.getByTestId("decision-submit").click();
      await form.getByText("驳回或退回时必须填写意见", { exact: false }).first().waitFor();
      await form.getByText("同意", { exact: true }).click();
      await form.getByLabel("审批意见").fill("同意备案");
      await form.getByTestId("decision-submit").click();
      await page.getByText("已同意，签章已生成").waitFor();
      await page.getByTestId("decision-form").waitFor({ state: "detached" });
      const signature = page.getByTestId("step-signature-2");
      await signature.getByText("验证通过").waitFor();
      expect(await signature.textContent()).toContain("SM2");
      await page.getByTestId("request-archive").waitFor();
      await screenshot(page, "request-approved-zh");

      await page.getByRole("menuitem", { name: "审计日志" }).click();
      await page.getByRole("heading", { name: "审计日志" }).waitFor();
      const entry = page
        .getByRole("row")
        .filter({ hasText: "workflow.approve" })
        .filter({ hasText: "sc_admin" });
      await entry.first().waitFor();
      expect(await entry.first().textContent()).toContain("审批同意（签章）");
      await screenshot(page, "audit-approve-zh");
      expect(errors).toEqual([]);
    });
    const audit = await node.services.db
      .selectFrom("audit_log")
      .select(["action", "actor_username", "subject_id"])
      .where("action", "=", "workflow.approve")
      .where("subject_id", "=", String(countyRequest))
      .where("actor_username", "=", "sc_admin")
      .execute();
    expect(audit).toEqual([
      { action: "workflow.approve", actor_username: "sc_admin", subject_id: String(countyRequest) },
    ]);
  });

  it("(h) when someone else decides first, the page reloads and says so", async () => {
    await journey(browser, node.baseUrl, "h-conflict", async ({ page, errors }) => {
      await signIn(page, "sc_clerk", node.demoPassword);
      await page.goto(`/approvals/requests/${conflictRequest}`);
      const form = page.getByTestId("decision-form");
      await form.waitFor();
      // Meanwhile a colleague at the same bureau approves it.
      const colleague = await apiSession(node, "sc_admin");
      const current = await colleague.call<{ version: number }>(
        "GET",
        `/workflow/requests/${conflictRequest}`,
      );
      await colleague.call("POST", `/workflow/requests/${conflictRequest}/approve`, {
        expectedVersion: current.version,
      });
      await form.getByTestId("decision-submit").click();
      await page.getByTestId("stale-alert").getByText("该申请已被他人处理", { exact: true }).waitFor();
      await page.getByText("已通过", { exact: true }).first().waitFor();
      await page.getByTestId("decision-form").waitFor({ state: "detached" });
      await screenshot(page, "request-conflict-zh");
      expect(errors).toEqual([]);
    });
  });

  it("(i) a county user searches the register and reads a record with its history and as-of view", async () => {
    await journey(browser, node.baseUrl, "i-search", async ({ page, errors }) => {
      await signIn(page, "sc_admin", node.demoPassword);
      await page.getByRole("menuitem", { name: "学生名册" }).click();
      await page.getByRole("heading", { name: "学生名册" }).waitFor();
      await page.getByLabel("姓名、学籍号或身份证件号").fill("欧阳");
      await page.getByRole("button", { name: /查\s?询/ }).click();
      const table = page.getByTestId("students-table");
      const row = table.getByRole("row").filter({ hasText: "欧阳明轩" });
      await row.waitFor();
      await expect.poll(() => table.getByRole("row").count()).toBe(2); // header and the one match
      // Identity numbers are listed masked, as the API gives them.
      expect(await row.textContent()).toMatch(/330102\*{12}/);
      await screenshot(page, "students-list-zh");
      await row.getByRole("link", { name: students.search.number }).click();
      await page.getByRole("heading", { name: "欧阳明轩" }).waitFor();
      await page.getByTestId("student-attributes").getByText("非农业").waitFor();
      await screenshot(page, "student-detail-zh");
      await page.getByRole("tab", { name: "异动记录" }).click();
      await page.getByTestId("student-history").getByText("入学", { exact: true }).waitFor();
      await page.getByRole("tab", { name: "历史时点查询" }).click();
      await pickDate(page, "查询日期", "2020-01-01");
      await page.getByText("2020-01-01 时该学生尚未登记学籍").waitFor();
      expect(errors).toEqual([]);
    });
  });

  it("(k) the import wizard checks a file as a job, reports the bad row and registers the good one", async () => {
    await journey(browser, node.baseUrl, "k-import", async ({ page, errors }) => {
      await signIn(page, "school_clerk", node.demoPassword);
      await page.getByRole("menuitem", { name: "批量导入学生" }).click();
      await page.getByRole("heading", { name: "批量导入学生" }).waitFor();
      await page.getByRole("button", { name: "已有填好的文件，下一步" }).click();
      const header = [
        "学校标识码,姓名★,性别★,出生日期★,出生地★,籍贯★,民族★,国籍/地区★,身份证件类型★,身份证件号,港澳台侨外★",
        "政治面貌,健康状况★,户口所在地★,户口性质★,年级★,班级★,入学年月★,入学方式★,就读方式★,现住址★",
        "通信地址★,家庭地址★,联系电话★,是否独生子女★,是否受过学前教育★",
      ].join(",");
      const row = (name: string, birth: string, id: string, sex: string) =>
        `,${name},${sex},${birth},330102000000,330102,01,CHN,1,${id},00,,10,330102,2,P2,二年级1班,2024-09,11,1,地址,地址,地址,13800000000,是,是`;
      const good = identityNumber("330102", "2018-02-03", 71);
      const csv = [
        header,
        row("孙小北", "2018-02-03", good, Number(good[16]) % 2 === 1 ? "1" : "2"),
        row("钱小南", "2018-13-01", "123", "1"),
      ].join("\r\n");
      await page.locator("input[type=file]").setInputFiles({
        name: "新生.csv",
        mimeType: "text/csv",
        buffer: Buffer.from(`\uFEFF${csv}\r\n`, "utf8"),
      });
      await page.getByRole("button", { name: "上传并检查" }).click();
      // The check runs as a job on the server; the page polls it and then shows the report.
      await page.getByText("1 行有错误", { exact: false }).waitFor();
      const errorsTable = page.getByTestId("student-import-errors");
      await errorsTable.getByText("2018-13-01", { exact: false }).waitFor();
      expect(new URL(page.url()).searchParams.get("job")).toMatch(/^\d+$/);
      await screenshot(page, "student-import-report-zh");
      await page.getByRole("button", { name: "确认导入 1 名学生" }).click();
      await page.getByText("已登记 1 名学生").waitFor();
      await page.getByText("1 行有错误，未导入。").waitFor();
      expect(errors).toEqual([]);
    });
    const imported = await node.services.db
      .selectFrom("student")
      .select(["name", "student_number"])
      .where("name", "in", ["孙小北", "钱小南"])
      .execute();
    expect(imported.map((s) => s.name)).toEqual(["孙小北"]);
  });

  it("(j) the annual promotion runs as a job to completion with its progress bar and counts", async () => {
    await journey(browser, node.baseUrl, "j-promotion", async ({ page, errors }) => {
      await signIn(page, "sc_admin", node.demoPassword);
      await page.getByRole("menuitem", { name: "年度升级" }).click();
      await page.getByRole("heading", { name: "年度升级" }).waitFor();
      await page.getByRole("button", { name: "开始升级" }).click();
      // The confirmation repeats scope, graduation and date before anything starts.
      const confirm = page.locator(".ant-modal-confirm");
      await confirm.locator(".ant-modal-confirm-title", { hasText: "确认开始年度升级？" }).waitFor();
      expect(await confirm.textContent()).toContain("毕业年级学生同时办理毕业");
      await confirm.getByRole("button", { name: "开始升级" }).click();
      await page.waitForURL(/job=\d+/);
      const job = page.getByTestId("promotion-job");
      await job.getByText("年度升级已完成").waitFor({ timeout: 60_000 });
      expect(await page.getByTestId("promotion-progress").textContent()).toContain("100%");
      const result = page.getByTestId("promotion-result");
      expect(await result.textContent()).toMatch(/升级人数\s*\d+/);
      await job.scrollIntoViewIfNeeded();
      await screenshot(page, "promotion-done-zh");
      expect(errors).toEqual([]);
    });
    const promoted = await node.services.db
      .selectFrom("student")
      .select("grade")
      .where("id", "=", students.search.id)
      .executeTakeFirstOrThrow();
    expect(promoted.grade).toBe("P4");
  });
});
