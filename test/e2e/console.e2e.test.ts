/**
 * The administrators' console in a real browser against a real node with the demo data:
 * the journeys of county, school and new users, in Chinese by default and in English.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { journey, launchBrowser, screenshot, signIn } from "./support/browser";
import { type ConsoleNode, requireWebDist, startConsoleNode } from "./support/node";

let node: ConsoleNode;
let browser: Browser;

async function unitId(code: string): Promise<number> {
  const row = await node.services.db
    .selectFrom("org_unit")
    .select("id")
    .where("code", "=", code)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** The left menu's entries, by their visible labels. */
async function menuLabels(page: Page): Promise<string[]> {
  const nav = page.getByRole("navigation", { name: /功能菜单|Main menu/ });
  return (await nav.getByRole("menuitem").allTextContents()).map((text) => text.trim());
}

beforeAll(async () => {
  requireWebDist();
  node = await startConsoleNode();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await node?.close();
});

describe("the web console", () => {
  it("(a) a county administrator sees the dashboard, browses the tree to a school and opens it", async () => {
    await journey(browser, node.baseUrl, "a-county-browse", async ({ page, errors }) => {
      await signIn(page, "sc_admin", node.demoPassword);
      const county = await unitId("330102");
      await expect.poll(() => new URL(page.url()).pathname).toBe(`/units/${county}`);
      await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("上城区");
      await page.getByTestId("header-unit").getByText("上城区教育局").waitFor();
      await page.getByTestId("figure-active").getByText("9").waitFor();
      await page.locator("canvas").first().waitFor();
      await screenshot(page, "dashboard-zh");

      await page.getByRole("menuitem", { name: "机构浏览" }).click();
      await page.getByRole("heading", { name: "机构浏览" }).waitFor();
      const tree = page.getByRole("tree");
      await tree.getByText("杭州市上城区实验小学", { exact: true }).click();
      const school = await unitId("2133000201");
      await page.waitForURL(`**/units/${school}/org`);
      await screenshot(page, "org-tree-zh");
      await page.getByRole("button", { name: "查看详情" }).click();
      await page.waitForURL(`**/units/${school}/detail`);
      await expect
        .poll(() => page.getByRole("heading", { level: 1 }).textContent())
        .toBe("杭州市上城区实验小学");
      await page.getByText("2133000201").first().waitFor();
      await page.getByText("开办", { exact: true }).waitFor();
      await screenshot(page, "school-detail-zh");
      expect(errors).toEqual([]);
    });
  });

  it("(b) renaming a school through the form is recorded as unit.rename in the audit log", async () => {
    await journey(browser, node.baseUrl, "b-rename-audit", async ({ page, errors }) => {
      await signIn(page, "sc_admin", node.demoPassword);
      const school = await unitId("2133000203");
      await page.goto(`/units/${school}/detail`);
      await page
        .getByRole("button", { name: "更 名" })
        .or(page.getByRole("button", { name: "更名" }))
        .click();
      const dialog = page.getByRole("dialog");
      const name = dialog.getByLabel("新名称");
      await expect.poll(() => name.inputValue()).toBe("杭州市上城区育才小学");
      // The API's own field error lands on the field: an empty name is refused before sending.
      await name.fill("");
      await dialog.getByRole("button", { name: /保\s?存/ }).click();
      await dialog.getByText("此项为必填项").waitFor();
      await name.fill("杭州市上城区育才实验小学");
      await dialog.getByRole("button", { name: /保\s?存/ }).click();
      await dialog.waitFor({ state: "hidden" });
      await expect
        .poll(() => page.getByRole("heading", { level: 1 }).textContent())
        .toBe("杭州市上城区育才实验小学");
      await page.getByText("杭州市上城区育才小学 → 杭州市上城区育才实验小学").waitFor();

      await page.getByRole("menuitem", { name: "审计日志" }).click();
      await page.getByRole("heading", { name: "审计日志" }).waitFor();
      const row = page.getByRole("row").filter({ hasText: "unit.rename" });
      await row.first().waitFor();
      expect(await row.first().textContent()).toContain("sc_admin");
      await screenshot(page, "audit-zh");
      expect(errors).toEqual([]);
    });
  });

  it("(c) a school user pasting another school's address sees not-found/out-of-scope, and has no user administration", async () => {
    await journey(browser, node.baseUrl, "c-school-scope", async ({ page, errors }) => {
      await signIn(page, "school_clerk", node.demoPassword);
      const own = await unitId("2133000201");
      await expect.poll(() => new URL(page.url()).pathname).toBe(`/units/${own}`);
      const labels = await menuLabels(page);
      expect(labels).toContain("首页");
      expect(labels).toContain("机构浏览");
      expect(labels).not.toContain("用户管理");
      expect(labels).not.toContain("审计日志");

      const other = await unitId("2133000202");
      await page.goto(`/units/${other}/detail`);
      const notFound = page.getByTestId("unit-not-found");
      await notFound.getByText("单位不存在或不在您的管理范围内").first().waitFor();
      await screenshot(page, "out-of-scope-zh");
      await notFound.getByRole("button", { name: "返回本单位" }).click();
      await expect.poll(() => new URL(page.url()).pathname).toBe(`/units/${own}`);
      expect(errors).toEqual([]);
    });
  });

  it("(d) a new clerk must change the password first, then lands on the dashboard", async () => {
    await journey(browser, node.baseUrl, "d-forced-password", async ({ page, errors }) => {
      await signIn(page, "new_clerk", node.demoPassword);
      await page.waitForURL("**/change-password");
      await page.getByText("为保障账号安全，请先设置新密码后再使用系统。").waitFor();
      await page.getByTestId("password-policy").getByText("密码须为 10–128 位").waitFor();
      await screenshot(page, "change-password-zh");
      // Any console page sends the clerk back here until the password is changed.
      await page.goto("/codes");
      await page.waitForURL("**/change-password");

      await page.getByLabel("当前密码（临时密码）").fill(node.demoPassword);
      await page.getByLabel("新密码", { exact: true }).fill("Xuexiao#2026new");
      await page.getByLabel("再次输入新密码").fill("Xuexiao#2026new");
      await page.getByRole("button", { name: "确认修改" }).click();
      const school = await unitId("2133000202");
      await page.waitForURL(`**/units/${school}`);
      await expect
        .poll(() => page.getByRole("heading", { level: 1 }).textContent())
        .toBe("杭州市上城区第二小学");
      expect(errors).toEqual([]);
    });
  });

  it("(e) the import wizard reports a bad row in Chinese and writes nothing", async () => {
    await journey(browser, node.baseUrl, "e-import", async ({ page, errors }) => {
      await signIn(page, "sc_admin", node.demoPassword);
      const county = await unitId("330102");
      await page.goto(`/units/${county}/import`);
      await page.getByRole("button", { name: "已有填好的文件，下一步" }).click();
      const csv = [
        "学校标识码★,学校名称★,办学类型★,学段★,举办者性质★,统一社会信用代码,地址,所在行政区划代码★,上级单位代码,主管部门代码,开办日期",
        "2133000290,杭州市上城区新开小学,211,小学,公办,,杭州市上城区新路1号,330102,,,2024-09-01",
        "2133000291,杭州市上城区错误小学,999,小学,公办,,,330102,,,2024-09-01",
      ].join("\r\n");
      await page.locator("input[type=file]").setInputFiles({
        name: "学校.csv",
        mimeType: "text/csv",
        buffer: Buffer.from(`\uFEFF${csv}\r\n`, "utf8"),
      });
      await page.getByRole("button", { name: "上传并检查" }).click();
      await page.getByText("发现 1 处错误").waitFor();
      const errorRow = page.getByTestId("import-errors").getByRole("row").filter({ hasText: "999" });
      await errorRow.waitFor();
      const text = await errorRow.textContent();
      expect(text).toContain("办学类型");
      expect(text).toMatch(/[\u4e00-\u9fff]/);
      expect(text).toMatch(/\b3\b/);
      await screenshot(page, "import-report-zh");
      expect(await page.getByRole("button", { name: /确认导入/ }).isDisabled()).toBe(true);
      const written = await node.services.db
        .selectFrom("school")
        .select("school_code")
        .where("school_code", "in", ["2133000290", "2133000291"])
        .execute();
      expect(written).toEqual([]);
      expect(errors).toEqual([]);
    });
  });

  it("(f) switching to English changes the menu, and the choice survives a reload", async () => {
    await journey(browser, node.baseUrl, "f-language", async ({ page, errors }) => {
      await signIn(page, "sc_admin", node.demoPassword);
      await page.getByRole("heading", { level: 1 }).waitFor();
      // The menu is built once the user's permissions have loaded: wait for it, not for the page.
      await expect.poll(() => menuLabels(page)).toContain("用户管理");
      await page.getByText("English", { exact: true }).click();
      await expect.poll(() => menuLabels(page)).toContain("Users");
      const labels = await menuLabels(page);
      expect(labels).toEqual(
        expect.arrayContaining(["Home", "Organisations", "Browse units", "Audit log", "Code sets"]),
      );
      expect(labels).not.toContain("用户管理");
      await page.reload();
      await expect.poll(() => menuLabels(page)).toContain("Users");
      await page.getByText("Open schools by school type").waitFor();
      expect(errors).toEqual([]);
    });
  });

  it("shows the API's own words for a wrong password and for a locked account", async () => {
    await journey(browser, node.baseUrl, "login-errors", async ({ page }) => {
      await page.goto("/login");
      const attempt = async (password: string) => {
        await page.getByLabel("用户名或手机号").fill("zj_finance");
        await page.getByLabel("密码", { exact: true }).fill(password);
        await page.getByRole("button", { name: /登\s?录/ }).click();
        await page.getByTestId("login-error").waitFor();
        return (await page.getByTestId("login-error").textContent()) ?? "";
      };
      expect(await attempt("wrong-password-1")).toContain("用户名或密码错误");
      let message = "";
      for (let i = 0; i < 6 && !message.includes("锁定"); i++)
        message = await attempt(`wrong-password-${i + 2}`);
      expect(message).toContain("账号已锁定");
      await screenshot(page, "login-locked-zh");
    });
  });

  it("every menu page opens without errors at 1366×768 (English screenshots for layout review)", async () => {
    await journey(browser, node.baseUrl, "tour", async ({ page, context, errors }) => {
      // As if the clerk had chosen English before (the console keeps the choice in localStorage).
      await context.addInitScript({ content: 'localStorage.setItem("edumis.locale", "en");' });
      await page.goto("/login");
      await page.getByRole("heading", { name: "Sign in" }).waitFor();
      await screenshot(page, "login-en");
      await page.getByLabel("User name or mobile number").fill("sc_admin");
      await page.getByLabel("Password", { exact: true }).fill(node.demoPassword);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL((url) => !url.pathname.startsWith("/login"));
      const county = await unitId("330102");
      const school = await unitId("2133000201");
      const pages: [string, string, string][] = [
        ["dashboard-en", `/units/${county}`, "上城区"],
        ["org-en", `/units/${county}/org`, "Browse units"],
        ["school-detail-en", `/units/${school}/detail`, "杭州市上城区实验小学"],
        ["open-school-en", `/units/${county}/schools/new`, "Open a school"],
        ["import-en", `/units/${county}/import`, "Import schools"],
        ["users-en", `/units/${county}/users`, "Users"],
        ["responsible-en", `/units/${county}/responsible`, "Responsible persons"],
        ["missing-en", "/responsible/missing", "Missing list"],
        ["audit-en", `/units/${county}/audit`, "Audit log"],
        ["codes-en", "/codes", "Code sets"],
        [
          "code-set-en",
          "/codes/school_type",
          "School type (first two digits of the school identification code)",
        ],
        ["tokens-en", "/tokens", "My API tokens"],
        ["students-en", `/units/${county}/students`, "Students"],
        ["student-problems-en", `/units/${county}/students/problems`, "Problem records"],
        ["promotion-en", `/units/${county}/students/promotion`, "Annual promotion"],
        ["inbox-en", "/approvals", "My inbox"],
        ["requests-en", "/approvals/requests", "All requests"],
        ["overdue-en", "/approvals/overdue", "Overdue approvals"],
        ["not-found-en", "/no/such/page", "Page not found"],
      ];
      for (const [name, path, heading] of pages) {
        await page.goto(path);
        await page.getByRole("heading", { name: heading, exact: true }).first().waitFor();
        // Let lists and charts settle before the picture.
        await page.waitForLoadState("networkidle");
        await screenshot(page, name);
      }
      expect(errors).toEqual([]);
    });
  });
});
