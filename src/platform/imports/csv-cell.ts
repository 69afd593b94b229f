/**
 * The one CSV cell writer of the platform, and its inverse on import. A cell that a spreadsheet
 * would take for a formula (OWASP "CSV injection": = + - @, tab, carriage return at the start)
 * is written with a leading apostrophe, which Excel, WPS and LibreOffice show as text and do not
 * evaluate; `=HYPERLINK(…)` or `=cmd|…` typed into a name or imported earlier thus never runs on
 * the clerk's machine that opens an export.
 *
 * What this changes for legitimate values: the exports write codes, dates (YYYY-MM-DD), identity,
 * student and credit numbers, and these never start with one of those characters; a phone
 * written "+86 …" or a placeholder "-" gets the apostrophe. Reading a CSV back strips exactly
 * that apostrophe (stripNeutraliser), so an export imports back to the values it was made from.
 * Text that itself starts with apostrophes before a formula start ("'=x") gets one more, so that
 * every value reads back exactly as it was written.
 */

/** Characters that make a spreadsheet read a cell as a formula (OWASP): = + - @ TAB CR. */
export function isFormulaStart(c: number): boolean {
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13;
}

/** Whether the value, past any leading apostrophes, starts as a formula would. */
function needsNeutraliser(value: string, from = 0): boolean {
  let at = from;
  while (at < value.length && value.charCodeAt(at) === 39) at++;
  return at < value.length && isFormulaStart(value.charCodeAt(at));
}

/** The cell as text a spreadsheet will not evaluate: an apostrophe before a formula start. */
export function neutraliseFormula(value: string): string {
  return needsNeutraliser(value) ? `'${value}` : value;
}

/** The inverse on import: "'=x" → "=x", "''=x" → "'=x"; every other cell unchanged. */
export function stripNeutraliser(value: string): string {
  return value.charCodeAt(0) === 39 && needsNeutraliser(value, 1) ? value.slice(1) : value;
}

/** One CSV cell: neutralised, then quoted when it holds a quote, comma or line break (RFC 4180). */
export function csvCell(value: string): string {
  const text = neutraliseFormula(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line (CRLF), every cell through csvCell. */
export function csvLine(values: readonly string[]): string {
  let line = "";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += ",";
    line += csvCell(values[i]!);
  }
  return `${line}\r\n`;
}
