/**
 * The one rule for a person's name, wherever the platform accepts one (students and their
 * guardians, account display names, responsible persons): normalise first, then refuse what
 * cannot be a name. Validation and the duplicate checks therefore see the same string, and
 * `王\u200b小明` is stored — and found — as `王小明`.
 *
 * Normalising: NFKC (full-width Latin letters and spaces become ASCII, compatibility ideographs
 * their unified form); invisible characters (category Cf and the fillers listed in the data) are
 * removed; every kind of space becomes one ASCII space, and none is kept beside a Han character
 * or a middle dot; the look-alikes of the middle dot become U+00B7. What remains is what the
 * clerk typed, minus what nobody can see, and that is the stored name.
 *
 * Refused, with a stable code each: control characters and bidi overrides (they reorder what a
 * reader sees), `<` and `>`, a leading `=` `+` `-` `@` (spreadsheet formulas), digits, and any
 * letter outside the scripts of data/identifiers/person-name.json.
 *
 * Matching keys (traditional → simplified folding, spaces removed: issue 21) are a separate
 * function on top of the stored value; this one never folds letters.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "../../config";
import { AppError } from "../../shared/errors";
import { unstorableCharacter } from "../../shared/text";

export const PERSON_NAME_ERROR_CODES = [
  "person_name.empty",
  "person_name.too_long",
  "person_name.control_character",
  "person_name.bidi_control",
  "person_name.markup",
  "person_name.formula",
  "person_name.digit",
  "person_name.character_not_allowed",
  "person_name.separator_misplaced",
] as const;

export type PersonNameErrorCode = (typeof PERSON_NAME_ERROR_CODES)[number];

export const personNameMessages: Record<PersonNameErrorCode, { "zh-CN": string; en: string }> = {
  "person_name.empty": {
    "zh-CN": "姓名中没有可见的字",
    en: "The name has no visible letters",
  },
  "person_name.too_long": {
    "zh-CN": "姓名不能超过 {max} 个字",
    en: "A name has at most {max} characters",
  },
  "person_name.control_character": {
    "zh-CN": "姓名中含有控制字符 {codePoint}，请重新输入",
    en: "The name contains the control character {codePoint}; type it again",
  },
  "person_name.bidi_control": {
    "zh-CN": "姓名中含有改变文字方向的隐藏字符 {codePoint}，请重新输入",
    en: "The name contains a hidden text-direction character {codePoint}; type it again",
  },
  "person_name.markup": {
    "zh-CN": "姓名中不能含有“<”或“>”",
    en: 'A name cannot contain "<" or ">"',
  },
  "person_name.formula": {
    "zh-CN": "姓名不能以“=”“+”“-”“@”开头",
    en: 'A name cannot start with "=", "+", "-" or "@"',
  },
  "person_name.digit": {
    "zh-CN": "姓名中不能含有数字",
    en: "A name cannot contain digits",
  },
  "person_name.character_not_allowed": {
    "zh-CN": "姓名中不能使用字符“{character}”（{codePoint}）",
    en: 'The character "{character}" ({codePoint}) cannot be used in a name',
  },
  "person_name.separator_misplaced": {
    "zh-CN": "姓名中的间隔号“·”、空格或连字符只能写在两个字之间",
    en: 'The middle dot "·", a space or a hyphen can only stand between two letters of a name',
  },
};

export type PersonNameResult =
  | { ok: true; value: string }
  | { ok: false; code: PersonNameErrorCode; params?: Record<string, string | number> };

/** Which names: a person's (students, guardians, responsible persons) or an account's label. */
export type NameProfile = "person" | "displayName";

interface PersonNameFile {
  maxLength: number;
  scripts: string[];
  marksAfterLetters: boolean;
  separators: { middleDot: string; middleDotVariants: string[]; betweenWords: string[] };
  joiners: { codePoints: string[]; scripts: string[] };
  refused: { bidiControls: string[]; markup: string[]; formulaStart: string[] };
  extraCharacters: { codePoints: string[] };
  invisible: { codePoints: string[]; ranges: [string, string][] };
  displayName: { maxLength: number; digits: boolean; extraCharacters: string[] };
}

const rules: PersonNameFile = JSON.parse(
  readFileSync(path.join(projectRoot, "data", "identifiers", "person-name.json"), "utf8"),
) as PersonNameFile;

/** "U+00B7" → 0xb7. */
const codePointOf = (notation: string): number => {
  if (!/^U\+[0-9A-F]{4,6}$/.test(notation)) throw new Error(`person-name.json: bad code point ${notation}`);
  return Number.parseInt(notation.slice(2), 16);
};

export const MIDDLE_DOT = String.fromCodePoint(codePointOf(rules.separators.middleDot));
const DOT = MIDDLE_DOT.codePointAt(0)!;
const SPACE = 0x20;
const HYPHEN = 0x2d;
const DOT_VARIANTS = new Set(rules.separators.middleDotVariants.map(codePointOf));
const WORD_SEPARATORS = new Set(rules.separators.betweenWords.map(codePointOf));
const JOINERS = new Set(rules.joiners.codePoints.map(codePointOf));
const BIDI = new Set(rules.refused.bidiControls.map(codePointOf));
const MARKUP = new Set(rules.refused.markup.map((c) => c.codePointAt(0)!));
const FORMULA_START = new Set(rules.refused.formulaStart.map((c) => c.codePointAt(0)!));
const EXTRA = new Set(rules.extraCharacters.codePoints.map(codePointOf));
const INVISIBLE = new Set(rules.invisible.codePoints.map(codePointOf));
const INVISIBLE_RANGES = rules.invisible.ranges.map(([from, to]) => [codePointOf(from), codePointOf(to)]);
const DISPLAY_EXTRA = new Set(rules.displayName.extraCharacters.map((c) => c.codePointAt(0)!));

const scriptPattern = (scripts: string[]) =>
  new RegExp(`^(?:${scripts.map((s) => `\\p{Script=${s}}`).join("|")})$`, "u");
const IN_SCRIPTS = scriptPattern(rules.scripts);
const JOINING_SCRIPTS = scriptPattern(rules.joiners.scripts);
const HAN = /^\p{Script=Han}$/u;
const LETTER = /^[\p{L}\p{Nl}]$/u;
const MARK = /^\p{M}$/u;
const NUMBER = /^\p{N}$/u;
const CONTROL = /^\p{Cc}$/u;
const FORMAT = /^\p{Cf}$/u;
const WHITE_SPACE = /^\p{White_Space}$/u;
/** Private use, unassigned and surrogate code points: nothing a name is written with. */
const UNUSABLE = /^[\p{Co}\p{Cn}\p{Cs}]$/u;

const notation = (c: number) => `U+${c.toString(16).toUpperCase().padStart(4, "0")}`;

function isInvisible(c: number): boolean {
  if (INVISIBLE.has(c)) return true;
  for (const [from, to] of INVISIBLE_RANGES) if (c >= from! && c <= to!) return true;
  return false;
}

/** A letter of an allowed script (Han, Latin, Tibetan …), or a Tibetan tsheg. */
function isNameLetter(ch: string, c: number): boolean {
  if (EXTRA.has(c)) return true;
  return LETTER.test(ch) && IN_SCRIPTS.test(ch) && !(NUMBER.test(ch) && !HAN.test(ch));
}

/**
 * True for a name made only of the common Han ideographs (U+4E00–U+9FFF), with single middle
 * dots between them, of at most the maximum length: such a name is already normal and valid,
 * which is what the import's fast check needs to know about nearly every row without the full
 * normalisation. Anything else goes to normalisePersonName.
 */
export function isPlainHanName(value: string): boolean {
  const length = value.length;
  if (length === 0 || length > rules.maxLength) return false;
  let previousDot = true;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x4e00 && c <= 0x9fff) previousDot = false;
    else if (c === DOT && !previousDot) previousDot = true;
    else return false;
  }
  return !previousDot;
}

/**
 * Normalises a name as typed and checks it: the value to store, or the first problem's code.
 * `raw` is what the form or the cell held; it is not trimmed first (spaces are folded here).
 */
export function normalisePersonName(raw: string, profile: NameProfile = "person"): PersonNameResult {
  const display = profile === "displayName";
  const fail = (code: PersonNameErrorCode, params?: Record<string, string | number>): PersonNameResult =>
    params ? { ok: false, code, params } : { ok: false, code };
  const unstorable = unstorableCharacter(raw);
  if (unstorable) return fail("person_name.control_character", { codePoint: unstorable });
  // Pass 1: NFKC, then each code point classified; controls and bidi overrides are refused here,
  // before anything is removed, so that a refused character is never silently dropped.
  const chars = [...raw.normalize("NFKC")];
  const kept: string[] = [];
  for (const ch of chars) {
    const c = ch.codePointAt(0)!;
    if (WHITE_SPACE.test(ch)) {
      kept.push(" ");
      continue;
    }
    if (CONTROL.test(ch)) return fail("person_name.control_character", { codePoint: notation(c) });
    if (BIDI.has(c)) return fail("person_name.bidi_control", { codePoint: notation(c) });
    if (DOT_VARIANTS.has(c)) {
      kept.push(MIDDLE_DOT);
      continue;
    }
    kept.push(ch);
  }
  // Pass 2: invisible characters out (joiners stay between two letters of a joining script),
  // spaces folded: runs become one, none at the ends or beside a Han letter, a dot or a hyphen.
  const visible: string[] = [];
  for (let i = 0; i < kept.length; i++) {
    const ch = kept[i]!;
    const c = ch.codePointAt(0)!;
    if (JOINERS.has(c)) {
      const before = visible[visible.length - 1];
      const after = kept.slice(i + 1).find((n) => !JOINERS.has(n.codePointAt(0)!));
      if (before && after && JOINING_SCRIPTS.test(before) && JOINING_SCRIPTS.test(after)) visible.push(ch);
      continue;
    }
    if (FORMAT.test(ch) || isInvisible(c)) continue;
    visible.push(ch);
  }
  const folded: string[] = [];
  for (let i = 0; i < visible.length; i++) {
    const ch = visible[i]!;
    if (ch !== " ") {
      folded.push(ch);
      continue;
    }
    const before = folded[folded.length - 1];
    let j = i + 1;
    while (visible[j] === " ") j++;
    const after = visible[j];
    i = j - 1;
    if (before === undefined || after === undefined) continue;
    if (HAN.test(before) || HAN.test(after)) continue;
    if (before === MIDDLE_DOT || after === MIDDLE_DOT || before === "-" || after === "-") continue;
    folded.push(" ");
  }
  const value = folded.join("");
  if (value === "") return fail("person_name.empty");
  // Checks on what will be stored.
  const first = value.codePointAt(0)!;
  if (FORMULA_START.has(first)) return fail("person_name.formula");
  const max = display ? rules.displayName.maxLength : rules.maxLength;
  if (folded.length > max) return fail("person_name.too_long", { max });
  let previous: "letter" | "separator" | "start" = "start";
  for (const ch of folded) {
    const c = ch.codePointAt(0)!;
    if (MARKUP.has(c)) return fail("person_name.markup");
    if (UNUSABLE.test(ch))
      return fail("person_name.character_not_allowed", { character: "?", codePoint: notation(c) });
    if (display && (DISPLAY_EXTRA.has(c) || (rules.displayName.digits && /^\p{Nd}$/u.test(ch)))) {
      previous = "letter";
      continue;
    }
    if (NUMBER.test(ch) && !HAN.test(ch)) return fail("person_name.digit");
    if (c === DOT || WORD_SEPARATORS.has(c) || c === SPACE || c === HYPHEN) {
      if (previous !== "letter") return fail("person_name.separator_misplaced");
      previous = "separator";
      continue;
    }
    if (isNameLetter(ch, c) || (rules.marksAfterLetters && MARK.test(ch) && previous === "letter")) {
      previous = "letter";
      continue;
    }
    if (JOINERS.has(c)) continue;
    return fail("person_name.character_not_allowed", { character: ch, codePoint: notation(c) });
  }
  if (previous === "separator") return fail("person_name.separator_misplaced");
  return { ok: true, value };
}

/**
 * The normalised name, or a 422 validation_failed naming the field: for services that take a
 * single name (account display names, responsible persons).
 */
export function requirePersonName(raw: string, field: string, profile: NameProfile = "person"): string {
  const result = normalisePersonName(raw, profile);
  if (result.ok) return result.value;
  throw new AppError("validation_failed", 422, {}, [
    { path: field, code: result.code, ...(result.params ? { params: result.params } : {}) },
  ]);
}
