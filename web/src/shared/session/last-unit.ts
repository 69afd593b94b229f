/**
 * The unit last opened, so that leaving for a page without a unit (code sets, tokens) and
 * coming back through the menu returns to it. Kept for the tab only.
 */
const KEY = "edumis.lastUnit";

export function rememberUnit(id: number): void {
  try {
    window.sessionStorage.setItem(KEY, String(id));
  } catch {
    // Without storage the menu falls back to the user's own scope.
  }
}

export function forgetUnit(): void {
  try {
    window.sessionStorage.removeItem(KEY);
  } catch {
    // Nothing to forget.
  }
}

export function lastUnit(): number | undefined {
  try {
    const value = Number(window.sessionStorage.getItem(KEY));
    return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}
