import { describe, expect, it } from "vitest";
import { maskIdentityNumber, maskPhoneNumber } from "./masking";

describe("maskIdentityNumber", () => {
  it.each([
    ["11010519491231002X", "110105********002X"],
    ["11010519491231002x", "110105********002x"],
    ["110105491231002", "110105*****1002"],
    ["12345678901", "123456*8901"],
    ["1234567890", "********90"],
    ["123456789", "*******89"],
    ["12345", "***45"],
    ["123", "*23"],
    ["12", "**"],
    ["1", "*"],
    ["", ""],
  ])("masks %j as %j", (input, masked) => {
    expect(maskIdentityNumber(input)).toBe(masked);
    expect(maskIdentityNumber(input)).toHaveLength(input.length);
  });

  it("never returns a non-empty value unmasked", () => {
    for (let length = 1; length <= 25; length++) {
      const value = "7".repeat(length);
      expect(maskIdentityNumber(value)).toContain("*");
    }
  });
});

describe("maskPhoneNumber", () => {
  it.each([
    ["13812345678", "138****5678"],
    ["19912345678", "199****5678"],
    ["23812345678", "*******5678"],
    ["010-12345678", "********5678"],
    ["+8613812345678", "**********5678"],
    ["138123456789", "********6789"],
    ["12345", "*2345"],
    ["1234", "****"],
    ["12", "**"],
    ["", ""],
  ])("masks %j as %j", (input, masked) => {
    expect(maskPhoneNumber(input)).toBe(masked);
  });

  it("never returns a non-empty value unmasked", () => {
    for (let length = 1; length <= 20; length++) {
      expect(maskPhoneNumber("5".repeat(length))).toContain("*");
    }
  });
});
