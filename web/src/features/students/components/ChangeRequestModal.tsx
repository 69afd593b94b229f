/**
 * Registry changes (学籍异动) started from a student's page. Each type asks for what its approval
 * needs (dates, reason, new class…) and is submitted as a workflow request; the change itself
 * is made by the API when the last step of its chain approves. The API's field errors (payload
 * paths such as "until" or "changes.identityNumber") land on the fields they name.
 */

import { DatePicker, Form, Input, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { toIsoDate } from "../../../shared/format/format";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { FormModal } from "../../../shared/ui/FormModal";
import { applyNestedProblemToForm } from "../../../shared/ui/form-errors";
import { type Student, submitRequest } from "../api/students";
import { IDENTITY_PATTERN } from "./fields";
import { CodeSelect, GradeSelect } from "./StudentTags";

export type ChangeType =
  | "student_suspension"
  | "student_resumption"
  | "student_withdrawal"
  | "student_dropout"
  | "student_death"
  | "student_graduation"
  | "student_completion"
  | "student_class_change"
  | "student_repeat_year"
  | "student_key_change";

const IN_SCHOOL = "01";
const SUSPENDED = "02";

/** The changes the API accepts for a student in this status (it checks again on submission). */
export function allowedChanges(status: string): ChangeType[] {
  if (status === IN_SCHOOL)
    return [
      "student_class_change",
      "student_suspension",
      "student_repeat_year",
      "student_key_change",
      "student_graduation",
      "student_completion",
      "student_withdrawal",
      "student_dropout",
      "student_death",
    ];
  if (status === SUSPENDED)
    return [
      "student_resumption",
      "student_key_change",
      "student_withdrawal",
      "student_dropout",
      "student_death",
    ];
  return ["student_key_change"];
}

interface ChangeValues {
  from?: Dayjs | null;
  until?: Dayjs | null;
  effectiveOn?: Dayjs | null;
  reason?: string;
  className?: string;
  grade?: string;
  changes?: {
    name?: string;
    sex?: string;
    birthDate?: Dayjs | null;
    idDocumentType?: string;
    identityNumber?: string;
  };
}

const FIELD_NAMES = [
  "from",
  "until",
  "effectiveOn",
  "reason",
  "className",
  "grade",
  "changes.name",
  "changes.sex",
  "changes.birthDate",
  "changes.idDocumentType",
  "changes.identityNumber",
  "changes",
];

const REASON_REQUIRED = new Set<ChangeType>([
  "student_suspension",
  "student_repeat_year",
  "student_key_change",
]);
const LEAVING = new Set<ChangeType>([
  "student_withdrawal",
  "student_dropout",
  "student_death",
  "student_graduation",
  "student_completion",
]);

function buildPayload(type: ChangeType, student: Student, values: ChangeValues): Record<string, unknown> {
  const payload: Record<string, unknown> = { studentId: student.id, schoolId: student.schoolId };
  const reason = values.reason?.trim();
  if (reason) payload.reason = reason;
  if (type === "student_suspension") {
    payload.from = toIsoDate(values.from);
    payload.until = toIsoDate(values.until);
  }
  if (type === "student_resumption" && values.grade) payload.grade = values.grade;
  if (LEAVING.has(type) && values.effectiveOn) payload.effectiveOn = toIsoDate(values.effectiveOn);
  if (type === "student_class_change" || type === "student_repeat_year") {
    const className = values.className?.trim();
    if (className) payload.className = className;
  }
  if (type === "student_key_change") {
    const c = values.changes ?? {};
    const changes: Record<string, string> = {};
    if (c.name?.trim()) changes.name = c.name.trim();
    if (c.sex) changes.sex = c.sex;
    if (c.birthDate) changes.birthDate = c.birthDate.format("YYYY-MM-DD");
    if (c.idDocumentType) changes.idDocumentType = c.idDocumentType;
    if (c.identityNumber?.trim()) changes.identityNumber = c.identityNumber.trim().toUpperCase();
    payload.changes = changes;
  }
  return payload;
}

export function ChangeRequestModal({
  type,
  student,
  onClose,
  onSubmitted,
}: {
  type: ChangeType | null;
  student: Student;
  onClose: () => void;
  onSubmitted: (request: { id: number; type: ChangeType }) => void;
}) {
  const { t, tx } = useI18n();
  const open = type !== null;
  const current = type ?? "student_class_change";
  return (
    <FormModal<ChangeValues, { id: number; type: ChangeType }>
      open={open}
      title={t("change.modalTitle", { type: tx(`change.type.${current}`, current), name: student.name })}
      formName={`change-${current}`}
      fieldNames={FIELD_NAMES}
      width={600}
      okText={t("change.submit")}
      danger={
        current === "student_death" || current === "student_withdrawal" || current === "student_dropout"
      }
      initialValues={current === "student_suspension" ? { from: dayjs() } : {}}
      placeProblem={(form, error) => applyNestedProblemToForm(form, error, FIELD_NAMES)}
      onClose={onClose}
      onSubmit={async (values) => {
        const payload = buildPayload(current, student, values);
        if (current === "student_key_change" && Object.keys(payload.changes as object).length === 0) {
          throw new Error(t("change.atLeastOne"));
        }
        const result = await submitRequest({
          type: current,
          payload,
          // Lists show the type in its own column; the title says whom the request is about.
          title: `${student.name}（${student.studentNumber}）`,
        });
        return { id: result.id, type: current };
      }}
      onSuccess={onSubmitted}
    >
      <Typography.Paragraph type="secondary">
        {t("change.studentLine", {
          name: student.name,
          number: student.studentNumber,
          school: student.schoolName,
        })}
      </Typography.Paragraph>
      <Typography.Paragraph type="secondary">{tx(`change.help.${current}`, "")}</Typography.Paragraph>

      {current === "student_suspension" ? (
        <>
          <Form.Item
            name="from"
            label={t("change.from")}
            rules={[{ required: true, message: t("form.required") }]}
          >
            <DatePicker format="YYYY-MM-DD" style={{ width: "100%" }} />
          </Form.Item>
          <Form.Item
            name="until"
            label={t("change.until")}
            extra={t("change.untilHint")}
            dependencies={["from"]}
            rules={[
              { required: true, message: t("form.required") },
              ({ getFieldValue }) => ({
                validator: (_, value: Dayjs | null | undefined) => {
                  const from = getFieldValue("from") as Dayjs | null | undefined;
                  return !value || !from || value.isAfter(from)
                    ? Promise.resolve()
                    : Promise.reject(new Error(t("change.untilAfterFrom")));
                },
              }),
            ]}
          >
            <DatePicker format="YYYY-MM-DD" style={{ width: "100%" }} />
          </Form.Item>
        </>
      ) : null}

      {current === "student_resumption" ? (
        <Form.Item name="grade" label={t("change.resumeGrade")} extra={t("change.resumeGradeHint")}>
          <GradeSelect allowClear />
        </Form.Item>
      ) : null}

      {current === "student_class_change" || current === "student_repeat_year" ? (
        <Form.Item
          name="className"
          label={current === "student_class_change" ? t("change.newClass") : t("change.newClassOptional")}
          extra={t("change.currentClass", { className: student.className ?? "—" })}
          rules={[
            { required: current === "student_class_change", whitespace: true, message: t("form.required") },
            { max: 50 },
          ]}
        >
          <Input maxLength={50} />
        </Form.Item>
      ) : null}

      {LEAVING.has(current) ? (
        <Form.Item name="effectiveOn" label={t("change.effectiveOn")} extra={t("change.effectiveOnHint")}>
          <DatePicker format="YYYY-MM-DD" style={{ width: "100%" }} />
        </Form.Item>
      ) : null}

      {current === "student_key_change" ? (
        <>
          <Typography.Paragraph type="secondary">{t("change.keyHint")}</Typography.Paragraph>
          <Form.Item name={["changes", "name"]} label={t("change.newName")} rules={[{ max: 100 }]}>
            <Input placeholder={student.name} maxLength={100} />
          </Form.Item>
          <Form.Item name={["changes", "sex"]} label={t("change.newSex")}>
            <CodeSelect codeSet="sex" />
          </Form.Item>
          <Form.Item name={["changes", "birthDate"]} label={t("change.newBirthDate")}>
            <DatePicker format="YYYY-MM-DD" style={{ width: "100%" }} placeholder={student.birthDate} />
          </Form.Item>
          <Form.Item name={["changes", "idDocumentType"]} label={t("change.newIdType")}>
            <CodeSelect codeSet="id_document_type" />
          </Form.Item>
          <Form.Item
            name={["changes", "identityNumber"]}
            label={t("change.newIdNumber")}
            rules={[
              ({ getFieldValue }) => ({
                validator: (_, value: string | undefined) => {
                  const type =
                    (getFieldValue(["changes", "idDocumentType"]) as string | undefined) ??
                    student.idDocumentType;
                  return !value || type !== "1" || IDENTITY_PATTERN.test(value.trim().toUpperCase())
                    ? Promise.resolve()
                    : Promise.reject(new Error(t("student.identityFormat")));
                },
              }),
            ]}
          >
            <Input maxLength={30} style={{ textTransform: "uppercase" }} />
          </Form.Item>
        </>
      ) : null}

      <Form.Item
        name="reason"
        label={REASON_REQUIRED.has(current) ? t("change.reason") : t("change.reasonOptional")}
        rules={[
          { required: REASON_REQUIRED.has(current), whitespace: true, message: t("form.required") },
          { max: 500 },
        ]}
      >
        <Input.TextArea rows={3} maxLength={500} showCount />
      </Form.Item>
    </FormModal>
  );
}
