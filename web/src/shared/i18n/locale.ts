/**
 * The UI language. It lives outside React as well because the API client sends it as
 * Accept-Language on every request, so the API's own messages come back in the same language.
 */
export type Locale = "zh-CN" | "en";

export const LOCALES: readonly Locale[] = ["zh-CN", "en"];
const STORAGE_KEY = "edumis.locale";

function readStoredLocale(): Locale {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    if (stored === "en" || stored === "zh-CN") return stored;
  } catch {
    // Storage can be disabled by policy; the default language still works.
  }
  return "zh-CN";
}

let current: Locale = readStoredLocale();

export function currentLocale(): Locale {
  return current;
}

export function setCurrentLocale(locale: Locale): void {
  current = locale;
  document.documentElement.lang = locale;
  try {
    window.localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    // Not persisted, but the switch still applies to this page.
  }
}
