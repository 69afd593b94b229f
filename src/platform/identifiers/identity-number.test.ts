import { describe, expect, it } from "vitest";
import type { IdentifierErrorCode, Validation } from "./identifiers.errors";
import {
  checkBirthDate,
  computeIdentityCheckCharacter,
  EARLIEST_BIRTH_DATE,
  isKnownProvinceCode,
  isRealCalendarDate,
  PROVINCE_CODES,
  toCompactLocalDate,
  validateIdentityNumber,
} from "./identity-number";

/**
 * Independent reference for ISO 7064 MOD 11-2, written from the standard rather than from the table in
 * the implementation: position i (0-based, 18 positions) has weight 2^(17 − i) mod 11, "X" stands for 10,
 * and a number is valid when its full weighted sum ≡ 1 (mod 11).
 */
function referenceWeightedSum(number18: string): number {
  let sum = 0;
  for (let i = 0; i < 18; i++) {
    const character = number18.charAt(i);
    const value = character === "X" ? 10 : Number(character);
    sum += value * (2 ** (17 - i) % 11);
  }
  return sum % 11;
}

function referenceCheck(first17: string): string {
  for (const candidate of "0123456789X") {
    if (referenceWeightedSum(first17 + candidate) === 1) return candidate;
  }
  throw new Error("unreachable: MOD 11-2 always has exactly one check value");
}

function withCheck(first17: string): string {
  return first17 + referenceCheck(first17);
}

const TODAY = new Date(2024, 5, 15); // 15 June 2024, local time
const KNOWN_VALID = "11010519491231002X";

function codesOf<T>(result: Validation<T>): IdentifierErrorCode[] {
  return result.ok ? [] : result.problems.map((p) => p.code);
}

describe("computeIdentityCheckCharacter", () => {
  it("reproduces the published test vector 11010519491231002X", () => {
    expect(computeIdentityCheckCharacter("11010519491231002")).toBe("X");
  });

  it("agrees with the independent reference implementation on the standard's weight table", () => {
    const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    expect(Array.from({ length: 17 }, (_, i) => 2 ** (17 - i) % 11)).toEqual(weights);
  });

  it("produces every one of the 11 possible check values, each round-tripping through validation", () => {
    const seen = new Map<string, string>();
    for (let sequence = 0; sequence < 1000 && seen.size < 11; sequence++) {
      const first17 = `11010520000229${String(sequence).padStart(3, "0")}`;
      const check = computeIdentityCheckCharacter(first17);
      expect(check).toBe(referenceCheck(first17));
      if (!seen.has(check)) seen.set(check, first17 + check);
    }
    expect([...seen.keys()].sort()).toEqual([..."0123456789X"].sort());
    for (const number of seen.values()) {
      expect(validateIdentityNumber(number, { today: TODAY }).ok).toBe(true);
      expect(referenceWeightedSum(number)).toBe(1);
    }
  });

  it("maps each weighted-sum residue 0..10 to the table 10X98765432", () => {
    // A single non-zero digit d at the weight-1 position (index 7) gives residue d; index 2 (weight 10)
    // with digit 1 gives residue 10; all zeros gives residue 0.
    const table = "10X98765432";
    expect(computeIdentityCheckCharacter("0".repeat(17))).toBe(table.charAt(0));
    for (let d = 1; d <= 9; d++) {
      const first17 = `${"0".repeat(7)}${d}${"0".repeat(9)}`;
      expect(computeIdentityCheckCharacter(first17)).toBe(table.charAt(d));
    }
    expect(computeIdentityCheckCharacter(`001${"0".repeat(14)}`)).toBe(table.charAt(10));
  });

  it.each([
    ["16 digits", "1101051949123100"],
    ["18 digits", "110105194912310020"],
    ["a letter", "1101051949123100A"],
    ["empty", ""],
    ["an inner space", "11010519 91231002"],
  ])("throws RangeError on %s", (_label, input) => {
    expect(() => computeIdentityCheckCharacter(input)).toThrow(RangeError);
  });
});

describe("validateIdentityNumber — valid numbers", () => {
  it("parses the published vector", () => {
    expect(validateIdentityNumber(KNOWN_VALID, { today: TODAY })).toEqual({
      ok: true,
      value: {
        number: KNOWN_VALID,
        addressCode: "110105",
        provinceCode: "11",
        birthDate: "1949-12-31",
        sex: "2",
        sequence: "002",
      },
    });
  });

  it("reads an odd sequence as male (GB/T 2261.1 code 1) and an even one as female (2)", () => {
    const male = validateIdentityNumber("110101199003074477", { today: TODAY });
    expect(male.ok && male.value.sex).toBe("1");
    for (let sequence = 0; sequence < 10; sequence++) {
      const number = withCheck(`11010119900307${String(sequence).padStart(3, "0")}`);
      const result = validateIdentityNumber(number, { today: TODAY });
      expect(result.ok && result.value.sex).toBe(sequence % 2 === 1 ? "1" : "2");
    }
  });

  it("normalises a lowercase x check character and reports the upper-case number", () => {
    const result = validateIdentityNumber("11010519491231002x", { today: TODAY });
    expect(result.ok && result.value.number).toBe(KNOWN_VALID);
  });

  it("accepts a retired address code because only the province part is checked", () => {
    // 110103 (old Chongwen district, merged into Dongcheng in 2010) still appears on valid numbers.
    const number = withCheck("11010319800101001");
    expect(validateIdentityNumber(number, { today: TODAY }).ok).toBe(true);
  });

  it.each([...PROVINCE_CODES])("accepts default province %s", (province) => {
    const number = withCheck(`${province}010120000101001`);
    const result = validateIdentityNumber(number, { today: TODAY });
    expect(result.ok && result.value.provinceCode).toBe(province);
  });

  it("uses the current date when no today is injected", () => {
    const pastNumber = withCheck("11010520000101001");
    expect(validateIdentityNumber(pastNumber).ok).toBe(true);
    expect(codesOf(validateIdentityNumber(withCheck("11010520991231001")))).toEqual([
      "identity_number.birth_date_future",
    ]);
  });
});

describe("validateIdentityNumber — format", () => {
  it.each<[string, unknown]>([
    ["empty string", ""],
    ["17 characters", "11010519491231002"],
    ["19 characters", "11010519491231002X0"],
    ["15-digit first-generation number", "110105491231002"],
    ["leading space (the caller trims, we do not)", ` ${KNOWN_VALID}`],
    ["trailing space", `${KNOWN_VALID} `],
    ["trailing newline", `${KNOWN_VALID}\n`],
    ["inner space replacing a digit", "1101051949 231002X"],
    ["inner space added", "110105 19491231002X"],
    ["tab", "110105\t9491231002X"],
    ["letter other than X at the end", "11010519491231002A"],
    ["X not at the end", "1101051949123100X2"],
    ["lowercase x not at the end", "1101051949123100x2"],
    ["two X", "1101051949123100XX"],
    ["full-width digits", "１１０１０５１９４９１２３１００２Ｘ"],
    ["Arabic-Indic digits", "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X"],
    ["hyphenated", "110105-19491231-02X"],
    ["number type", 110105194912310020],
    ["bigint", 110105194912310020n],
    ["null", null],
    ["undefined", undefined],
    ["object", { number: KNOWN_VALID }],
    ["array", [KNOWN_VALID]],
    ["String object", new String(KNOWN_VALID)],
  ])("rejects %s", (_label, input) => {
    expect(validateIdentityNumber(input, { today: TODAY })).toEqual({
      ok: false,
      problems: [{ code: "identity_number.format" }],
    });
  });

  it.each(Array.from({ length: 30 }, (_, i) => i).filter((n) => n !== 18))(
    "rejects a digit string of length %i",
    (length) => {
      expect(codesOf(validateIdentityNumber("1".repeat(length), { today: TODAY }))).toEqual([
        "identity_number.format",
      ]);
    },
  );
});

describe("validateIdentityNumber — check character", () => {
  it.each([..."0123456789"])("rejects the published vector with check %s instead of X", (wrong) => {
    expect(validateIdentityNumber(`11010519491231002${wrong}`, { today: TODAY })).toEqual({
      ok: false,
      problems: [{ code: "identity_number.check_character", detail: { expected: "X", actual: wrong } }],
    });
  });

  it("detects every single-digit substitution at each of the 17 positions", () => {
    let cases = 0;
    for (let position = 0; position < 17; position++) {
      for (const digit of "0123456789") {
        if (digit === KNOWN_VALID.charAt(position)) continue;
        const altered = KNOWN_VALID.slice(0, position) + digit + KNOWN_VALID.slice(position + 1);
        expect(codesOf(validateIdentityNumber(altered, { today: TODAY }))).toContain(
          "identity_number.check_character",
        );
        cases++;
      }
    }
    expect(cases).toBe(17 * 9);
  });

  it("detects every transposition of two different adjacent digits", () => {
    const number = withCheck("43052419870613381");
    for (let position = 0; position < 16; position++) {
      const a = number.charAt(position);
      const b = number.charAt(position + 1);
      if (a === b) continue;
      const swapped = number.slice(0, position) + b + a + number.slice(position + 2);
      expect(codesOf(validateIdentityNumber(swapped, { today: TODAY }))).toContain(
        "identity_number.check_character",
      );
    }
  });
});

describe("validateIdentityNumber — birth date", () => {
  it.each([
    ["20000229", true, "2000 is a leap year (divisible by 400)"],
    ["20240229", true, "2024 is a leap year"],
    ["19000229", false, "1900 is not a leap year (divisible by 100, not 400)"],
    ["20230229", false, "2023 is not a leap year"],
    ["20230230", false, "February never has 30 days"],
    ["20230431", false, "April has 30 days"],
    ["20230631", false, "June has 30 days"],
    ["20230931", false, "September has 30 days"],
    ["20231131", false, "November has 30 days"],
    ["20230131", true, "January has 31 days"],
    ["20231231", true, "last day of the year"],
    ["20230132", false, "day 32"],
    ["20230100", false, "day 00"],
    ["20230001", false, "month 00"],
    ["20231301", false, "month 13"],
    ["19000101", true, "the earliest accepted date"],
  ])("%s → valid %s (%s)", (compact, expectedValid, _why) => {
    const result = validateIdentityNumber(withCheck(`110105${compact}001`), { today: TODAY });
    expect(codesOf(result)).toEqual(expectedValid ? [] : ["identity_number.birth_date_invalid"]);
    if (!expectedValid) {
      expect(result.ok ? undefined : result.problems[0]?.detail).toEqual({ birthDate: compact });
    }
  });

  it.each(["18991231", "18800101", "00000101"])("rejects %s as earlier than 1900-01-01", (compact) => {
    expect(validateIdentityNumber(withCheck(`110105${compact}001`), { today: TODAY })).toEqual({
      ok: false,
      problems: [{ code: "identity_number.birth_date_too_early", detail: { birthDate: compact } }],
    });
  });

  it("rejects the widely circulated 440524188001010014 (valid check, born 1880) as too early", () => {
    expect(codesOf(validateIdentityNumber("440524188001010014", { today: TODAY }))).toEqual([
      "identity_number.birth_date_too_early",
    ]);
  });

  it.each([
    ["20240615", true, "born today"],
    ["20240614", true, "born yesterday"],
    ["20240616", false, "born tomorrow"],
    ["20240701", false, "next month"],
    ["20250101", false, "next year"],
  ])("with today 2024-06-15: %s → valid %s (%s)", (compact, expectedValid) => {
    const result = validateIdentityNumber(withCheck(`110105${compact}001`), { today: TODAY });
    expect(codesOf(result)).toEqual(expectedValid ? [] : ["identity_number.birth_date_future"]);
  });

  it("judges 'future' by the local calendar date of today, ignoring the time of day", () => {
    const number = withCheck("11010520240615001");
    expect(validateIdentityNumber(number, { today: new Date(2024, 5, 15, 0, 0, 0) }).ok).toBe(true);
    expect(validateIdentityNumber(number, { today: new Date(2024, 5, 15, 23, 59, 59) }).ok).toBe(true);
    expect(validateIdentityNumber(number, { today: new Date(2024, 5, 14, 23, 59, 59) }).ok).toBe(false);
  });

  it("exposes the shared birth-date helpers", () => {
    expect(EARLIEST_BIRTH_DATE).toBe("19000101");
    expect(isRealCalendarDate("20000229")).toBe(true);
    expect(isRealCalendarDate("2000229")).toBe(false);
    expect(isRealCalendarDate("2000022a")).toBe(false);
    expect(toCompactLocalDate(new Date(987, 0, 5))).toBe("09870105");
    expect(toCompactLocalDate(TODAY)).toBe("20240615");
    expect(checkBirthDate("20000229", TODAY)).toEqual({ ok: true, isoDate: "2000-02-29" });
    expect(checkBirthDate("19000229", TODAY)).toEqual({ ok: false, issue: "invalid" });
    expect(checkBirthDate("18991231", TODAY)).toEqual({ ok: false, issue: "too_early" });
    expect(checkBirthDate("20240616", TODAY)).toEqual({ ok: false, issue: "future" });
  });
});

describe("validateIdentityNumber — province", () => {
  it("exports the 34 GB/T 2260 province-level codes", () => {
    expect(PROVINCE_CODES.size).toBe(34);
    for (const code of [
      "11",
      "15",
      "21",
      "23",
      "31",
      "37",
      "41",
      "46",
      "50",
      "54",
      "61",
      "65",
      "71",
      "81",
      "82",
    ]) {
      expect(isKnownProvinceCode(code)).toBe(true);
    }
  });

  it.each([
    "00",
    "10",
    "16",
    "20",
    "24",
    "30",
    "38",
    "40",
    "47",
    "49",
    "55",
    "60",
    "66",
    "70",
    "72",
    "80",
    "83",
    "99",
  ])("rejects unknown province %s by default", (province) => {
    expect(validateIdentityNumber(withCheck(`${province}010519491231002`), { today: TODAY })).toEqual({
      ok: false,
      problems: [{ code: "identity_number.province_unknown", detail: { provinceCode: province } }],
    });
  });

  it("defers to the caller's predicate, which receives the 2-digit province code", () => {
    const received: string[] = [];
    const onlyXpcc = (code: string): boolean => {
      received.push(code);
      return code === "66";
    };
    expect(
      validateIdentityNumber(withCheck("66000119800101001"), { today: TODAY, isKnownProvince: onlyXpcc }).ok,
    ).toBe(true);
    expect(codesOf(validateIdentityNumber(KNOWN_VALID, { today: TODAY, isKnownProvince: onlyXpcc }))).toEqual(
      ["identity_number.province_unknown"],
    );
    expect(received).toEqual(["66", "11"]);
  });
});

describe("validateIdentityNumber — several problems at once", () => {
  it("reports province, birth date and check character together, in that order", () => {
    expect(validateIdentityNumber("990105202302300010", { today: TODAY })).toEqual({
      ok: false,
      problems: [
        { code: "identity_number.province_unknown", detail: { provinceCode: "99" } },
        { code: "identity_number.birth_date_invalid", detail: { birthDate: "20230230" } },
        {
          code: "identity_number.check_character",
          detail: { expected: referenceCheck("99010520230230001"), actual: "0" }, // expected is X
        },
      ],
    });
  });

  it("never throws, whatever it is given", () => {
    const inputs: unknown[] = [
      Symbol("x"),
      () => KNOWN_VALID,
      Number.NaN,
      true,
      "\u0000".repeat(18),
      "𠀀".repeat(9),
    ];
    for (const input of inputs) {
      expect(codesOf(validateIdentityNumber(input))).toEqual(["identity_number.format"]);
    }
  });
});
