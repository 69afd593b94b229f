/**
 * Text no field may hold, whatever the field: the NUL character (PostgreSQL refuses it in text
 * and jsonb, so it would fail the statement) and UTF-16 surrogates without their pair (they
 * are no character at all, and the driver would store U+FFFD in their place).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is the character looked for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The first character of `value` no field may hold, as U+XXXX, or undefined when there is none. */
export function unstorableCharacter(value: string): string | undefined {
  const match = UNSTORABLE.exec(value);
  if (!match) return undefined;
  return `U+${match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/** unstorableCharacter(value) === undefined, at native speed: for the import's hot loop. */
export function isStorableText(value: string): boolean {
  return value.indexOf("\u0000") === -1 && (value as unknown as { isWellFormed(): boolean }).isWellFormed();
}
