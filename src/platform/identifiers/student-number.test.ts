import { describe, expect, it } from "vitest";
import type { IdentifierErrorCode, Validation } from "./identifiers.errors";
import { computeIdentityCheckCharacter } from "./identity-number";
import { makeGNumber, makeJNumber, makeLNumber, validateStudentNumber } from "./student-number";

const TODAY = new Date(2024, 5, 15); // 15 June 2024, local time
const IDENTITY = "11010519491231002X";

function codesOf<T>(result: Validation<T>): IdentifierErrorCode[] {
  return result.ok ? [] : result.problems.map((p) => p.code);
}

/** A J number built by hand (the generator refuses impossible dates, which these tests need). */
function rawJ(first17: string): string {
  return `J${first17}${computeIdentityCheckCharacter(first17)}`;
}

describe("validateStudentNumber — G (identity number)", () => {
  it("parses a G number from its embedded identity number", () => {
    expect(validateStudentNumber(`G${IDENTITY}`, { today: TODAY })).toEqual({
      ok: true,
      value: {
        number: `G${IDENTITY}`,
        kind: "G",
        divisionCode: "110105",
        birthDate: "1949-12-31",
        identityNumber: IDENTITY,
      },
    });
  });

  it("normalises a lowercase x check character", () => {
    const result = validateStudentNumber("G11010519491231002x", { today: TODAY });
    expect(result.ok && result.value.number).toBe(`G${IDENTITY}`);
    expect(result.ok && result.value.identityNumber).toBe(IDENTITY);
  });

  it.each<[string, string, IdentifierErrorCode]>([
    ["wrong check character", "G110105194912310020", "identity_number.check_character"],
    [
      "unknown province",
      `G99010519491231002${computeIdentityCheckCharacter("99010519491231002")}`,
      "identity_number.province_unknown",
    ],
    [
      "impossible date",
      `G${"11010519000229001"}${computeIdentityCheckCharacter("11010519000229001")}`,
      "identity_number.birth_date_invalid",
    ],
    [
      "future date",
      `G${"11010520240616001"}${computeIdentityCheckCharacter("11010520240616001")}`,
      "identity_number.birth_date_future",
    ],
    [
      "date before 1900",
      `G${"11010518991231001"}${computeIdentityCheckCharacter("11010518991231001")}`,
      "identity_number.birth_date_too_early",
    ],
  ])("reports the embedded identity number's problem: %s", (_label, number, code) => {
    expect(codesOf(validateStudentNumber(number, { today: TODAY }))).toEqual([code]);
  });

  it("passes the province predicate through to the embedded identity number", () => {
    const first17 = "66000119800101001";
    const number = `G${first17}${computeIdentityCheckCharacter(first17)}`;
    expect(codesOf(validateStudentNumber(number, { today: TODAY }))).toEqual([
      "identity_number.province_unknown",
    ]);
    const withXpcc = (code: string): boolean => code === "66";
    expect(validateStudentNumber(number, { today: TODAY, isKnownProvince: withXpcc }).ok).toBe(true);
  });
});

describe("validateStudentNumber — J (no identity number, with check character)", () => {
  it("parses a generated J number", () => {
    const number = makeJNumber("110105", "20150901", 1);
    expect(number).toBe(rawJ("11010520150901001"));
    expect(validateStudentNumber(number, { today: TODAY })).toEqual({
      ok: true,
      value: { number, kind: "J", divisionCode: "110105", birthDate: "2015-09-01" },
    });
  });

  it("has no identityNumber property", () => {
    const result = validateStudentNumber(makeJNumber("110105", "20150901", 1), { today: TODAY });
    expect(result.ok && "identityNumber" in result.value).toBe(false);
  });

  it("produces all 11 check values, each round-tripping, and agrees with the identity algorithm", () => {
    const seen = new Set<string>();
    for (let sequence = 0; sequence <= 999; sequence++) {
      const number = makeJNumber("330106", "20120229", sequence);
      expect(number).toHaveLength(19);
      expect(number.slice(18)).toBe(computeIdentityCheckCharacter(number.slice(1, 18)));
      const result = validateStudentNumber(number, { today: TODAY });
      expect(result.ok).toBe(true);
      seen.add(number.charAt(18));
    }
    expect([...seen].sort()).toEqual([..."0123456789X"].sort());
  });

  it("normalises a lowercase x check character", () => {
    let sequence = 0;
    while (!makeJNumber("110105", "20150901", sequence).endsWith("X")) sequence++;
    const number = makeJNumber("110105", "20150901", sequence);
    const result = validateStudentNumber(number.replace(/X$/, "x"), { today: TODAY });
    expect(result.ok && result.value.number).toBe(number);
  });

  it("detects every single-digit substitution at each of the 17 positions after J", () => {
    const number = makeJNumber("440305", "20100315", 128);
    let cases = 0;
    for (let position = 1; position <= 17; position++) {
      for (const digit of "0123456789") {
        if (digit === number.charAt(position)) continue;
        const altered = number.slice(0, position) + digit + number.slice(position + 1);
        expect(codesOf(validateStudentNumber(altered, { today: TODAY }))).toContain(
          "student_number.check_character",
        );
        cases++;
      }
    }
    expect(cases).toBe(17 * 9);
  });

  it("reports the expected and the actual check character", () => {
    const number = makeJNumber("110105", "20150901", 1);
    const wrong = number.charAt(18) === "0" ? "1" : "0";
    expect(validateStudentNumber(number.slice(0, 18) + wrong, { today: TODAY })).toEqual({
      ok: false,
      problems: [
        { code: "student_number.check_character", detail: { expected: number.charAt(18), actual: wrong } },
      ],
    });
  });

  it.each([
    ["20000229", true],
    ["20240229", true],
    ["19000229", false],
    ["20230229", false],
    ["20230230", false],
    ["20231301", false],
    ["20230100", false],
  ])("birth date %s → valid %s", (compact, expectedValid) => {
    const result = validateStudentNumber(rawJ(`110105${compact}001`), { today: TODAY });
    expect(result).toEqual(
      expectedValid
        ? expect.objectContaining({ ok: true })
        : {
            ok: false,
            problems: [{ code: "student_number.birth_date_invalid", detail: { birthDate: compact } }],
          },
    );
  });

  it("rejects a birth date after today and before 1900 with their own codes", () => {
    expect(codesOf(validateStudentNumber(rawJ("11010520240616001"), { today: TODAY }))).toEqual([
      "student_number.birth_date_future",
    ]);
    expect(validateStudentNumber(rawJ("11010520240615001"), { today: TODAY }).ok).toBe(true);
    expect(codesOf(validateStudentNumber(rawJ("11010518991231001"), { today: TODAY }))).toEqual([
      "student_number.birth_date_too_early",
    ]);
  });

  it("reports a bad date and a bad check character together", () => {
    const number = rawJ("11010520230230001");
    const wrong = number.charAt(18) === "0" ? "1" : "0";
    expect(codesOf(validateStudentNumber(number.slice(0, 18) + wrong, { today: TODAY }))).toEqual([
      "student_number.birth_date_invalid",
      "student_number.check_character",
    ]);
  });
});

describe("validateStudentNumber — L (temporary, no check character)", () => {
  it("parses a generated L number", () => {
    const number = makeLNumber("110105", "20150901", "0001");
    expect(number).toBe("L110105201509010001");
    expect(validateStudentNumber(number, { today: TODAY })).toEqual({
      ok: true,
      value: { number, kind: "L", divisionCode: "110105", birthDate: "2015-09-01" },
    });
  });

  it("accepts any last four digits because there is no check character", () => {
    for (const tail of ["0000", "0001", "1234", "9999"]) {
      expect(validateStudentNumber(`L11010520150901${tail}`, { today: TODAY }).ok).toBe(true);
    }
  });

  it.each<[string, IdentifierErrorCode]>([
    ["L110105190002290001", "student_number.birth_date_invalid"],
    ["L110105202302300001", "student_number.birth_date_invalid"],
    ["L110105202406160001", "student_number.birth_date_future"],
    ["L110105189912310001", "student_number.birth_date_too_early"],
  ])("rejects %s with %s", (number, code) => {
    expect(codesOf(validateStudentNumber(number, { today: TODAY }))).toEqual([code]);
  });

  it("accepts leap days 2000-02-29 and 2024-02-29", () => {
    expect(validateStudentNumber("L110105200002290001", { today: TODAY }).ok).toBe(true);
    expect(validateStudentNumber("L110105202402290001", { today: TODAY }).ok).toBe(true);
  });
});

describe("validateStudentNumber — format and kind", () => {
  it.each<[string, unknown]>([
    ["an identity number without prefix (18)", IDENTITY],
    ["empty", ""],
    ["20 characters", `G${IDENTITY}0`],
    ["leading space", ` G${IDENTITY}`],
    ["trailing space", `G${IDENTITY} `],
    ["number type", 1101051949123100],
    ["null", null],
    ["undefined", undefined],
    ["object", { kind: "G" }],
  ])("rejects %s as format", (_label, input) => {
    expect(validateStudentNumber(input, { today: TODAY })).toEqual({
      ok: false,
      problems: [{ code: "student_number.format" }],
    });
  });

  it.each([
    ["G with an inner space", "G110105 9491231002X"],
    ["G with a letter", "G1101051949123100AX"],
    ["J with X inside", "J1101052015090100X1"],
    ["J with a letter at the end", "J11010520150901001A"],
    ["L ending in X", "L11010520150901000X"],
    ["L ending in lowercase x", "L11010520150901000x"],
    ["L with an inner space", "L110105 2015090100 "],
    ["full-width digits", "J１１０１０５２０１５０９０１００１0"],
  ])("rejects %s as format", (_label, input) => {
    expect(input).toHaveLength(19);
    expect(codesOf(validateStudentNumber(input, { today: TODAY }))).toEqual(["student_number.format"]);
  });

  it.each([
    ["A", `A${IDENTITY}`],
    ["1", `1${IDENTITY}`],
    ["g", `g${IDENTITY}`],
    ["j", "j110105201509010010"],
    [" ", ` ${IDENTITY}`],
  ])("rejects first character %j as an unknown kind", (kind, input) => {
    expect(validateStudentNumber(input, { today: TODAY })).toEqual({
      ok: false,
      problems: [{ code: "student_number.kind_unknown", detail: { kind } }],
    });
  });

  it.each(Array.from({ length: 30 }, (_, i) => i).filter((n) => n !== 18))(
    "rejects G followed by %i digits",
    (length) => {
      expect(codesOf(validateStudentNumber(`G${"1".repeat(length)}`, { today: TODAY }))).toEqual([
        "student_number.format",
      ]);
    },
  );
});

describe("makeJNumber", () => {
  it("zero-pads the sequence", () => {
    expect(makeJNumber("110105", "20150901", 0).slice(15, 18)).toBe("000");
    expect(makeJNumber("110105", "20150901", 7).slice(15, 18)).toBe("007");
    expect(makeJNumber("110105", "20150901", 999).slice(15, 18)).toBe("999");
  });

  it.each<[string, string, string, number]>([
    ["5-digit division", "11010", "20150901", 1],
    ["division with a letter", "11010A", "20150901", 1],
    ["7-digit division", "1101050", "20150901", 1],
    ["impossible date", "110105", "20150230", 1],
    ["1900-02-29", "110105", "19000229", 1],
    ["dashed date", "110105", "2015-09-01", 1],
    ["negative sequence", "110105", "20150901", -1],
    ["sequence 1000", "110105", "20150901", 1000],
    ["fractional sequence", "110105", "20150901", 1.5],
    ["NaN sequence", "110105", "20150901", Number.NaN],
  ])("throws RangeError on %s", (_label, division, date, sequence) => {
    expect(() => makeJNumber(division, date, sequence)).toThrow(RangeError);
  });
});

describe("makeLNumber", () => {
  it("accepts the tail as a 4-digit string or as an integer, zero-padded", () => {
    expect(makeLNumber("110105", "20150901", "0042")).toBe("L110105201509010042");
    expect(makeLNumber("110105", "20150901", 42)).toBe("L110105201509010042");
    expect(makeLNumber("110105", "20150901", 0)).toBe("L110105201509010000");
    expect(makeLNumber("110105", "20150901", 9999)).toBe("L110105201509019999");
  });

  it.each<[string, string, string, string | number]>([
    ["3-digit tail", "110105", "20150901", "123"],
    ["5-digit tail", "110105", "20150901", "12345"],
    ["letters", "110105", "20150901", "abcd"],
    ["10000", "110105", "20150901", 10000],
    ["negative", "110105", "20150901", -1],
    ["fraction", "110105", "20150901", 1.5],
    ["bad division", "1101", "20150901", "0001"],
    ["bad date", "110105", "20150931", "0001"],
  ])("throws RangeError on %s", (_label, division, date, tail) => {
    expect(() => makeLNumber(division, date, tail)).toThrow(RangeError);
  });
});

describe("makeGNumber", () => {
  it("prefixes a valid identity number and upper-cases a trailing x", () => {
    expect(makeGNumber(IDENTITY)).toBe(`G${IDENTITY}`);
    expect(makeGNumber("11010519491231002x")).toBe(`G${IDENTITY}`);
    expect(validateStudentNumber(makeGNumber(IDENTITY)).ok).toBe(true);
  });

  it("throws RangeError naming the problems of an invalid identity number", () => {
    expect(() => makeGNumber("110105194912310020")).toThrow(/identity_number\.check_character/);
    expect(() => makeGNumber("1101051949123100")).toThrow(RangeError);
    const future = `11010520240616001${computeIdentityCheckCharacter("11010520240616001")}`;
    expect(() => makeGNumber(future, { today: TODAY })).toThrow(/birth_date_future/);
  });
});
