/**
 * Once per browser-test run, before any file: the shared template database, and a clean slate
 * for failure screenshots. Clearing them here rather than in each file's beforeAll keeps the
 * screenshot of a failure in one file when another file runs after it.
 */
import setupTemplate from "../../support/global-setup";
import { clearFailureScreenshots } from "./browser";

export default async function setup(): Promise<void> {
  clearFailureScreenshots();
  await setupTemplate();
}
