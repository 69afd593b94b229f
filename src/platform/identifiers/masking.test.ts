import { describe, expect, it } from "vitest";
import { identityNumber } from "../../../test/support/students";
import { maskBankCardNumber, maskIdentityNumber, maskPhoneNumber, maskStudentNumber } from "./masking";
import { kindOfField, maskIdentifiersInText, maskPersonalFields } from "./masking-policy";

describe("maskIdentityNumber", () => {
  it.each([
    ["11010519491231002X", "110105************"],
    ["11010519491231002x", "110105************"],
    ["110105491231002", "110105*********"],
    ["12345678901", "12*********"],
    ["1234567890", "12********"],
    ["123456", "12****"],
    ["12345", "*****"],
    ["1", "*"],
    ["", ""],
  ])("masks %j as %j", (input, masked) => {
    expect(maskIdentityNumber(input)).toBe(masked);
    expect(maskIdentityNumber(input)).toHaveLength(input.length);
  });

  it("keeps nothing of the birth date, the sequence or the check character", () => {
    // Beside the birth date of the same row, the old mask (110105********002X) was the full number.
    const full = identityNumber("20150302", 2);
    expect(maskIdentityNumber(full)).toBe("330102************");
  });

  it("never returns a non-empty value unmasked, and masking twice changes nothing", () => {
    for (let length = 1; length <= 25; length++) {
      const value = "7".repeat(length);
      expect(maskIdentityNumber(value)).toContain("*");
      expect(maskIdentityNumber(maskIdentityNumber(value))).toBe(maskIdentityNumber(value));
    }
  });
});

describe("maskStudentNumber", () => {
  it("masks a G number like the identity number it contains, and shows J and L numbers", () => {
    const id = identityNumber("20150302", 2);
    expect(maskStudentNumber(`G${id}`)).toBe(`G${maskIdentityNumber(id)}`);
    expect(maskStudentNumber("J3301022016081500125")).toBe("J3301022016081500125");
    expect(maskStudentNumber("L3301022015030100017")).toBe("L3301022015030100017");
    expect(maskStudentNumber("X12345678901234567")).toBe(maskIdentityNumber("X12345678901234567"));
  });
});

describe("maskPhoneNumber", () => {
  it.each([
    ["13812345678", "138****5678"],
    ["19912345678", "199****5678"],
    ["23812345678", "238****5678"],
    ["010-12345678", "********5678"],
    ["+8613812345678", "**********5678"],
    ["12345", "*2345"],
    ["1234", "****"],
    ["", ""],
  ])("masks %j as %j", (input, masked) => {
    expect(maskPhoneNumber(input)).toBe(masked);
    expect(maskPhoneNumber(masked)).toBe(masked);
  });
});

describe("maskBankCardNumber", () => {
  it("keeps the first 4 and the last 4", () => {
    expect(maskBankCardNumber("6222021234567890123")).toBe("6222***********0123");
    expect(maskBankCardNumber("1234")).toBe("****");
  });
});

describe("the masking policy", () => {
  it.each([
    ["identityNumber", "identityNumber"],
    ["identity_number", "identityNumber"],
    ["guardian1IdNumber", "identityNumber"],
    ["idNumber", "identityNumber"],
    ["studentNumber", "studentNumber"],
    ["student_number", "studentNumber"],
    ["phone", "phone"],
    ["guardian2Phone", "phone"],
    ["mobile", "phone"],
    ["bankCardNumber", "bankCard"],
    ["password", "secret"],
    ["idDocumentType", undefined],
    ["name", undefined],
    ["hotel", undefined],
  ])("names the field %j a %j", (field, kind) => {
    expect(kindOfField(field)).toBe(kind);
  });

  it("masks identifiers inside free text, and leaves codes alone", () => {
    const id = identityNumber("20150302", 2);
    expect(maskIdentifiersInText(`学籍卡 G${id}`)).toBe("学籍卡 G330102************");
    expect(maskIdentifiersInText(`/api/v1/students?q=${id}&page=1`)).toBe(
      "/api/v1/students?q=330102************&page=1",
    );
    expect(maskIdentifiersInText("call 13900001111 or +8613900001111")).toBe(
      "call 139****1111 or +86139****1111",
    );
    expect(maskIdentifiersInText("card 6222021234567890128")).toBe("card 6222***********0128");
    // School codes, division codes and hashes are not identifiers.
    for (const text of ["2133107001", "330102001001", "a3f1234567890123456789b", "2133107001330102"]) {
      expect(maskIdentifiersInText(text)).toBe(text);
    }
  });

  it("masks records by field name, deep, and free text elsewhere", () => {
    const id = identityNumber("20150302", 2);
    expect(
      maskPersonalFields({
        items: [{ studentNumber: `G${id}`, identityNumber: id, title: `转学 ${id}` }],
        guardians: [{ idNumber: id, phone: "13900001111" }],
        identityNumber: { before: id, after: null },
        password: "x",
      }),
    ).toEqual({
      items: [
        {
          studentNumber: "G330102************",
          identityNumber: "330102************",
          title: "转学 330102************",
        },
      ],
      guardians: [{ idNumber: "330102************", phone: "139****1111" }],
      identityNumber: { before: "330102************", after: null },
      password: "x",
    });
    expect(maskPersonalFields({ password: "x" }, { secrets: true })).toEqual({ password: "***" });
  });
});
