/**
 * Debian's Chromium driven by playwright-core: one browser per test file, a fresh context
 * (cookies, storage) per test, the 1366×768 screen of a county office, and a screenshot in
 * test-output/e2e/ whenever a journey fails.
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { projectRoot } from "../../../src/config";

export const SCREENSHOT_DIR = path.join(projectRoot, "test-output", "e2e");
export const VIEWPORT = { width: 1366, height: 768 };

/** Screenshots of failures from an earlier run would mislead; the page pictures are simply replaced. */
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

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // Dialogs and menus fade in and out: let finite animations end (spinners run for ever, and
  // the wait is capped) so the picture is sharp. A string, because this file has no DOM types.
  await page
    .evaluate(`Promise.race([
      Promise.all(document.getAnimations()
        .filter((a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity)
        .map((a) => a.finished.catch(() => undefined))),
      new Promise((resolve) => setTimeout(resolve, 2000)),
    ])`)
    .catch(() => undefined);
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/**
 * Runs one journey in a fresh context; on failure keeps a screenshot named after it, and in any
 * case closes the context so the next journey starts signed out.
 */
export async function journey(
  browser: Browser,
  baseURL: string,
  name: string,
  steps: (session: Session) => Promise<void>,
): Promise<void> {
  const session = await openSession(browser, baseURL);
  try {
    await steps(session);
  } catch (error) {
    const file = await screenshot(session.page, `FAILED-${name}`).catch(() => "(no screenshot)");
    throw new Error(
      `${String(error)}\nScreenshot: ${file}\nBrowser errors: ${session.errors.join(" | ") || "none"}`,
      {
        cause: error,
      },
    );
  } finally {
    await session.context.close();
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
