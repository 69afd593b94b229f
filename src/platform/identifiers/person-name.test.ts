import { describe, expect, it } from "vitest";
import { isPlainHanName, MIDDLE_DOT, normalisePersonName } from "./person-name";

const value = (raw: string, profile?: "person" | "displayName") => {
  const result = normalisePersonName(raw, profile);
  return result.ok ? result.value : result.code;
};

describe("normalisePersonName", () => {
  it("removes invisible characters and keeps what the clerk typed", () => {
    for (const raw of [
      "王\u200b小明",
      "王\u200c小明",
      "王\u200d小明",
      "王\u2060小明",
      "\ufeff王小明",
      "王\u00ad小明",
      "王\ufe00小明",
    ])
      expect(value(raw)).toBe("王小明");
    expect(value("\u200b")).toBe("person_name.empty");
  });

  it("folds every kind of space: one between words, none beside Han letters or dots", () => {
    expect(value("王\u3000小明")).toBe("王小明");
    expect(value(" 王 小 明 ")).toBe("王小明");
    expect(value("John\u00a0\u2003 Smith")).toBe("John Smith");
    expect(value("李\t四")).toBe("李四");
    expect(value("Jean - Luc")).toBe("Jean-Luc");
  });

  it("unifies the middle dot of minority names to U+00B7", () => {
    expect(MIDDLE_DOT).toBe("\u00b7");
    for (const dot of ["・", "•", "‧", "･", "∙", "⋅", "·", "\u0387", " · "])
      expect(value(`阿卜杜${dot}热依木`)).toBe("阿卜杜·热依木");
    expect(value("·热依木")).toBe("person_name.separator_misplaced");
    expect(value("阿卜杜··热依木")).toBe("person_name.separator_misplaced");
    expect(value("阿卜杜·")).toBe("person_name.separator_misplaced");
  });

  it("folds full-width Latin letters (NFKC) and compatibility ideographs", () => {
    expect(value("ＪＯＨＮ　ＳＭＩＴＨ")).toBe("JOHN SMITH");
    expect(value("\uf900")).toBe("\u8c48");
  });

  it("accepts Han of every extension and the minority scripts", () => {
    for (const name of [
      "𠀋小明",
      "䶮",
      "𪚥",
      "བཀྲ་ཤིས་",
      "ئابدۇرېھىم",
      "ᠪᠠᠲᠤ",
      "ꆈꌠ",
      "김철수",
      "José Müller",
    ])
      expect(value(name)).toBe(name.normalize("NFKC"));
  });

  it("refuses controls, bidi overrides, markup, formulas, digits and other characters with stable codes", () => {
    expect(value("王\u202e小明")).toBe("person_name.bidi_control");
    expect(value("王\u2066小明")).toBe("person_name.bidi_control");
    expect(value("王\u0000小明")).toBe("person_name.control_character");
    expect(value("王\u0007小明")).toBe("person_name.control_character");
    expect(value("王\ud800小明")).toBe("person_name.control_character");
    expect(value("<script>")).toBe("person_name.markup");
    expect(value("王<b>")).toBe("person_name.markup");
    for (const formula of ['=HYPERLINK("x")', "+1", "-1", "@SUM(A1)", "＝1"])
      expect(value(formula)).toBe("person_name.formula");
    expect(value("王小明2")).toBe("person_name.digit");
    expect(value("王小明①")).toBe("person_name.digit");
    expect(value("王,小明")).toBe("person_name.character_not_allowed");
    expect(normalisePersonName("王\ue000")).toMatchObject({
      ok: false,
      code: "person_name.character_not_allowed",
    });
    expect(value("很".repeat(61))).toBe("person_name.too_long");
    expect(value("很".repeat(60))).toBe("很".repeat(60));
  });

  it("lets display names carry digits and brackets, and nothing hostile", () => {
    expect(value("新入职学籍员（须改密码）", "displayName")).toBe("新入职学籍员(须改密码)");
    expect(value("二中教务2", "displayName")).toBe("二中教务2");
    expect(value("=cmd|' /C calc'!A0", "displayName")).toBe("person_name.formula");
    expect(value("<img src=x>", "displayName")).toBe("person_name.markup");
    expect(value("管理员\u202e", "displayName")).toBe("person_name.bidi_control");
  });
});

describe("isPlainHanName (the import's fast test)", () => {
  it("is true only where normalisePersonName returns the name unchanged", () => {
    const samples = [
      "王小明",
      "阿卜杜·热依木",
      "·王",
      "王·",
      "王··明",
      "王 明",
      "王\u200b明",
      "𠀋",
      "很".repeat(60),
      "很".repeat(61),
      "",
      "A",
    ];
    for (const s of samples) {
      if (isPlainHanName(s)) expect(normalisePersonName(s)).toEqual({ ok: true, value: s });
    }
    expect(samples.filter(isPlainHanName)).toEqual(["王小明", "阿卜杜·热依木", "很".repeat(60)]);
    // Every code unit of the block the fast test accepts is a Han letter the full rule keeps.
    for (let c = 0x4e00; c <= 0x9fff; c++) {
      const ch = String.fromCharCode(c);
      expect(normalisePersonName(`王${ch}`)).toEqual({ ok: true, value: `王${ch}` });
    }
  });
});
