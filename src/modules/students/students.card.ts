/**
 * The student registry card (学籍卡): a printable A4 PDF in Chinese of one record with its
 * history. Issuing a card renders it, deposits it in the electronic archive signed with the
 * school's seal, and links it to the student, so every card ever issued can be found and
 * verified later. The CJK font is embedded as a subset (only the glyphs used).
 */
import PDFDocument from "pdfkit";
import { recordAudit } from "../../platform/audit/audit.service";
import type { ServiceContext } from "../../platform/context";
import { maskStudentNumber } from "../../platform/identifiers/masking";
import { cjkFont } from "../../platform/pdf/cjk-font";
import { deposit } from "../../platform/signing/archive.service";
import type { SigningContext } from "../../platform/signing/signing.context";
import type { Locale } from "../../shared/messages";
import { todayIso } from "../../shared/time";
import { STUDENT_FIELDS } from "./students.fields";
import * as repo from "./students.repo";
import { getStudent } from "./students.service";

/** Record columns behind the template keys shown on the card, in template order. */
const CARD_COLUMNS: Record<string, string> = {
  name: "name",
  sex: "sex",
  birthDate: "birth_date",
  birthplace: "birthplace_code",
  nativePlace: "native_place_code",
  ethnicity: "ethnicity",
  nationality: "nationality",
  idDocumentType: "id_document_type",
  identityNumber: "identity_number",
  overseasStatus: "overseas_status",
  healthStatus: "health_status",
  householdLocation: "household_location_code",
  householdType: "household_type",
  grade: "grade",
  className: "class_name",
  enrolmentMonth: "enrolment_month",
  enrolmentMode: "enrolment_mode",
  attendanceMode: "attendance_mode",
  currentAddress: "current_address",
  phone: "phone",
};

function display(
  ctx: ServiceContext,
  key: string,
  value: unknown,
  locale: Locale,
  divisions: Map<string, string>,
): string {
  if (value === null || value === undefined || value === "") return "—";
  const field = STUDENT_FIELDS.find((f) => f.key === key);
  if (field?.codeSet) return `${ctx.codes.label(field.codeSet, String(value), locale)}`;
  if (field?.kind === "division" || field?.kind === "division12") {
    const name = divisions.get(String(value).slice(0, 6));
    return name ? `${name}（${value}）` : String(value);
  }
  return String(value);
}

/** Full names ("浙江省杭州市上城区") of the divisions a record refers to. */
async function divisionNames(ctx: ServiceContext, codes: (string | null)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(codes.filter((c): c is string => !!c).map((c) => c.slice(0, 6)))];
  const names = new Map<string, string>();
  for (const code of wanted) {
    const line = await ctx.db
      .selectFrom("division")
      .select(["code", "name", "level"])
      .where("code", "in", [`${code.slice(0, 2)}0000`, `${code.slice(0, 4)}00`, code])
      .orderBy("level")
      .execute();
    const parts = line.map((d) => d.name).filter((n, i, all) => all.indexOf(n) === i && n !== "市辖区");
    if (parts.length > 0) names.set(code, parts.join(""));
  }
  return names;
}

function toBuffer(doc: PDFKit.PDFDocument): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on("data", (chunk: Buffer) => chunks.push(chunk));
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
    doc.end();
  });
}

/** Renders the card of a student in scope. The read behind it is audited as a detail read. */
export async function renderRegistryCard(ctx: ServiceContext, studentId: number): Promise<Buffer> {
  const { student, schoolName } = await getStudent(ctx, studentId);
  const events = await repo.listEvents(ctx.db, studentId);
  const doc = new PDFDocument({
    size: "A4",
    margin: 48,
    info: { Title: `学籍卡 ${student.student_number}`, Author: "edumis" },
  });
  doc.registerFont("cjk", await cjkFont());
  doc.font("cjk");
  doc.fontSize(20).text("学生学籍卡", { align: "center" });
  doc
    .moveDown(0.3)
    .fontSize(10)
    .fillColor("#555")
    .text(`全国学籍号 ${student.student_number}    学校 ${schoolName}    打印日期 ${todayIso()}`, {
      align: "center",
    });
  doc.moveDown(1).fillColor("#000");
  const row = student as unknown as Record<string, unknown>;
  const divisions = await divisionNames(ctx, [
    student.birthplace_code,
    student.native_place_code,
    student.household_location_code,
  ]);
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  const labelWidth = 110;
  for (const [key, column] of Object.entries(CARD_COLUMNS)) {
    const field = STUDENT_FIELDS.find((f) => f.key === key)!;
    const y = doc.y;
    doc.fontSize(10).fillColor("#333").text(field.header, left, y, { width: labelWidth });
    doc.fillColor("#000").text(display(ctx, key, row[column], "zh-CN", divisions), left + labelWidth, y, {
      width: width - labelWidth,
    });
    doc
      .moveTo(left, doc.y + 2)
      .lineTo(left + width, doc.y + 2)
      .strokeColor("#ddd")
      .stroke();
    doc.moveDown(0.4);
  }
  const guardians = (student.guardians ?? []) as {
    name: string;
    relation: string | null;
    phone: string | null;
  }[];
  doc.moveDown(0.6).fontSize(12).text("监护人", left);
  for (const g of guardians) {
    const relation = g.relation ? ctx.codes.label("guardian_relation", g.relation, "zh-CN") : "—";
    doc.fontSize(10).text(`${g.name}（${relation}）  ${g.phone ?? ""}`, left + 12);
  }
  doc.moveDown(0.6).fontSize(12).text("学籍异动记录", left);
  for (const e of events) {
    const change = ctx.codes.label("registry_change_type", e.change_type, "zh-CN");
    doc.fontSize(10).text(`${e.effective_on}  ${change}  ${e.school_name ?? ""}`, left + 12);
  }
  return toBuffer(doc);
}

/** Renders the card, deposits it in the archive signed with the school's seal, and audits it. */
export async function issueRegistryCard(ctx: SigningContext, studentId: number) {
  const bytes = await renderRegistryCard(ctx, studentId);
  const student = await ctx.db
    .selectFrom("student")
    .select(["school_unit_id", "student_number"])
    .where("id", "=", studentId)
    .executeTakeFirstOrThrow();
  return ctx.db.transaction().execute(async (trx) => {
    const item = await deposit(
      trx,
      ctx.signing,
      { ...ctx.actor, ip: ctx.ip },
      {
        unitId: student.school_unit_id,
        // The title is listed and signed into the deposit: a G number in it is masked (the
        // masking policy), the subjects below keep the number for lookups.
        title: `学籍卡 ${maskStudentNumber(student.student_number)}`,
        kind: "registry_card",
        module: "students",
        personal: true,
        mediaType: "application/pdf",
        bytes,
        retentionClass: "permanent",
        subjects: [
          { type: "student", id: String(studentId) },
          { type: "student_number", id: student.student_number },
        ],
      },
    );
    await recordAudit(trx, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: "student.card_issue",
      module: "students",
      subjectType: "student",
      subjectId: studentId,
      detail: { archiveItemId: item.id, hash: item.hash },
    });
    return { ...item, byteSize: bytes.length };
  });
}
