import { describe, expect, it } from "vitest";
import { identityNumber } from "../../test/support/students";
import { maskedUrl } from "./masking";

describe("maskedUrl", () => {
  const id = identityNumber("20150302", 2);

  it("masks identity and G numbers and phones in the query, plain or percent-encoded", () => {
    expect(maskedUrl(`/api/v1/students?q=${id}`)).toBe("/api/v1/students?q=330102************");
    expect(maskedUrl(`/api/v1/students?q=%47${id}`)).toBe("/api/v1/students?q=G330102************");
    expect(maskedUrl(`/api/v1/archive/items?subjectType=student_number&subjectId=G${id}`)).toBe(
      "/api/v1/archive/items?subjectType=student_number&subjectId=G330102************",
    );
    expect(maskedUrl("/api/v1/users?q=13698765432")).toBe("/api/v1/users?q=136****5432");
  });

  it("leaves URLs without identifiers as they came, malformed escapes included", () => {
    expect(maskedUrl("/api/v1/students?q=%E7%8E%8B&page=2")).toBe("/api/v1/students?q=%E7%8E%8B&page=2");
    expect(maskedUrl("/api/v1/schools?q=%E0%A4%A")).toBe("/api/v1/schools?q=%E0%A4%A");
    expect(maskedUrl(`/api/v1/students?q=%E0%A4%A${id}`)).not.toContain(id);
  });
});
