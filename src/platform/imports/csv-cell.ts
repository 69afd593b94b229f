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
 * The one value this cannot carry is text that itself starts with an apostrophe followed by one
 * of those characters ("'=x"): it is read back without its apostrophe. No field of the registry
 * holds such text; names refuse formula text altogether.
 */

/** Characters that make a spreadsheet read a cell as a formula (OWASP): = + - @ TAB CR. */
export function isFormulaStart(c: number): boolean {
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13;
}

/** The cell as text a spreadsheet will not evaluate: an apostrophe before a formula start. */
export function neutraliseFormula(value: string): string {
  return value.length > 0 && isFormulaStart(value.charCodeAt(0)) ? `'${value}` : value;
}

/** The inverse on import: "'=x" → "=x"; every other cell unchanged. */
export function stripNeutraliser(value: string): string {
  return value.length > 1 && value.charCodeAt(0) === 39 && isFormulaStart(value.charCodeAt(1))
    ? value.slice(1)
    : value;
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
