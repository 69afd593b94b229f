/**
 * Debian's Chromium driven by playwright-core: one browser per test file, a fresh context
 * (cookies, storage) per test, the 1366×768 screen of a county office, and a screenshot in
 * test-output/e2e/FAILED-<journey>.png whenever a journey fails — by an error or by running
 * into vitest's test timeout.
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { onTestFailed } from "vitest";
import { projectRoot } from "../../../src/config";

export const SCREENSHOT_DIR = path.join(projectRoot, "test-output", "e2e");
export const VIEWPORT = { width: 1366, height: 768 };

/**
 * Screenshots of failures from an earlier run would mislead; the page pictures are simply replaced.
 * Called once per run (test/e2e/support/global-setup.ts), never per file: the files run one after
 * another, and a later file's set-up would delete the screenshot of an earlier file's failure.
 */
export function clearFailureScreenshots(): void {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  for (const file of readdirSync(SCREENSHOT_DIR)) {
    if (file.startsWith("FAILED-")) rmSync(path.join(SCREENSHOT_DIR, file));
  }
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}

export interface Session {
  context: BrowserContext;
  page: Page;
  /** Browser console errors and uncaught exceptions seen so far. */
  errors: string[];
}

export async function openSession(browser: Browser, baseURL: string): Promise<Session> {
  const context = await browser.newContext({ baseURL, viewport: VIEWPORT, locale: "zh-CN" });
  // Generous: on a loaded 2-core CI machine a registration round trip can take several seconds.
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    // 4xx answers the page expects (wrong password, out-of-scope unit) are logged by Chromium too.
    if (message.type() === "error" && !message.text().includes("Failed to load resource")) {
      errors.push(`console: ${message.text()}`);
    }
  });
  return { context, page, errors };
}

/** How long a failure screenshot may take: a stuck page must not hide the failure behind a second timeout. */
const FAILURE_SCREENSHOT_TIMEOUT = 10_000;

export async function screenshot(page: Page, name: string, timeout?: number): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // Dialogs and menus fade in and out: let finite animations end (spinners run for ever, and
  // the wait is capped) so the picture is sharp. A string, because this file has no DOM types.
  // The wait is capped here too: a page whose script is stuck never answers the evaluate.
  await Promise.race([
    page
      .evaluate(`Promise.race([
        Promise.all(document.getAnimations()
          .filter((a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity)
          .map((a) => a.finished.catch(() => undefined))),
        new Promise((resolve) => setTimeout(resolve, 2000)),
      ])`)
      .catch(() => undefined),
    delay(3000),
  ]);
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, ...(timeout === undefined ? {} : { timeout }) });
  return file;
}

/**
 * Runs one journey in a fresh context; on failure keeps a screenshot named after it, and in any
 * case closes the context so the next journey starts signed out.
 *
 * A journey that runs into vitest's test timeout is never told: its step simply stops being
 * awaited. vitest then runs the test's onTestFailed hooks, so the picture is taken there, while the
 * page is still open (the browser closes only in afterAll).
 */
export async function journey(
  browser: Browser,
  baseURL: string,
  name: string,
  steps: (session: Session) => Promise<void>,
): Promise<void> {
  const session = await openSession(browser, baseURL);
  /** Set once this journey's failure screenshot is taken (or tried) or the journey has ended. */
  let settled = false;
  const failureScreenshot = async (): Promise<string> => {
    settled = true;
    try {
      return await screenshot(session.page, `FAILED-${name}`, FAILURE_SCREENSHOT_TIMEOUT);
    } catch (error) {
      return `(no screenshot: ${error instanceof Error ? error.message.split("\n")[0] : String(error)})`;
    }
  };
  onTestFailed(async () => {
    if (settled) return;
    const file = await failureScreenshot();
    console.error(`Journey ${name} was still running when the test failed. Screenshot: ${file}`);
    await session.context.close().catch(() => undefined);
  });
  try {
    await steps(session);
  } catch (error) {
    if (settled) throw error;
    const file = await failureScreenshot();
    throw new Error(
      `${String(error)}\nScreenshot: ${file}\nBrowser errors: ${session.errors.join(" | ") || "none"}`,
      {
        cause: error,
      },
    );
  } finally {
    settled = true;
    await session.context.close().catch(() => undefined);
  }
}

/** Signs in through the login form, as a clerk would. */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("用户名或手机号").fill(username);
  await page.getByLabel("密码", { exact: true }).fill(password);
  await page
    .getByRole("button", { name: "登 录" })
    .or(page.getByRole("button", { name: "登录" }))
    .click();
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
}
