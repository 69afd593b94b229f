/**
 * Resolving a problem record (问题学籍处理) is itself an approval request: the school explains
 * (evidence), corrects the key fields (correction), or asks for the duplicate record to be
 * deleted (deletion); the county approves, and only then does the API change the record.
 */
import { DatePicker, Form, Input, Radio, Typography } from "antd";
import type { Dayjs } from "dayjs";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { FormModal } from "../../../shared/ui/FormModal";
import { applyNestedProblemToForm } from "../../../shared/ui/form-errors";
import { submitRequest, useStudent } from "../api/students";
import { CodeSelect } from "./StudentTags";

export interface ProblemTarget {
  problemId: number;
  kind: string;
  studentId: number;
  studentName: string;
  studentNumber: string;
  /** The student's school (the queue and the student's page both know it); read from the record if not given. */
  schoolId?: number;
}

interface ResolveValues {
  resolution: "evidence" | "correction" | "deletion";
  note: string;
  corrections?: {
    name?: string;
    sex?: string;
    birthDate?: Dayjs | null;
    idDocumentType?: string;
    identityNumber?: string;
  };
}

const FIELD_NAMES = [
  "resolution",
  "note",
  "corrections.name",
  "corrections.sex",
  "corrections.birthDate",
  "corrections.idDocumentType",
  "corrections.identityNumber",
  "corrections",
];

export function ResolveProblemModal({
  target,
  onClose,
  onSubmitted,
}: {
  target: ProblemTarget | null;
  onClose: () => void;
  onSubmitted: (requestId: number) => void;
}) {
  const { t, tx } = useI18n();
  const needsSchool = target !== null && target.schoolId === undefined;
  const { data: student, error } = useStudent(needsSchool ? target.studentId : 0);
  const schoolId = target?.schoolId ?? student?.schoolId;
  return (
    <FormModal<ResolveValues, number>
      open={target !== null}
      title={t("problem.resolveTitle", { name: target?.studentName ?? "" })}
      formName="resolve-problem"
      fieldNames={FIELD_NAMES}
      width={600}
      okText={t("change.submit")}
      initialValues={{ resolution: "evidence" }}
      placeProblem={(form, failure) => applyNestedProblemToForm(form, failure, FIELD_NAMES)}
      onClose={onClose}
      onSubmit={async (values) => {
        if (!target) throw new Error(t("error.unexpected"));
        if (schoolId === undefined) throw error ?? new Error(t("common.loading"));
        const payload: Record<string, unknown> = {
          problemId: target.problemId,
          studentId: target.studentId,
          schoolId,
          resolution: values.resolution,
          note: values.note.trim(),
        };
        if (values.resolution === "correction") {
          const c = values.corrections ?? {};
          const corrections: Record<string, string> = {};
          if (c.name?.trim()) corrections.name = c.name.trim();
          if (c.sex) corrections.sex = c.sex;
          if (c.birthDate) corrections.birthDate = c.birthDate.format("YYYY-MM-DD");
          if (c.idDocumentType) corrections.idDocumentType = c.idDocumentType;
          if (c.identityNumber?.trim()) corrections.identityNumber = c.identityNumber.trim().toUpperCase();
          if (Object.keys(corrections).length === 0) throw new Error(t("change.atLeastOne"));
          payload.corrections = corrections;
        }
        const result = await submitRequest({
          type: "student_problem_resolution",
          payload,
          title: `${target.studentName}（${target.studentNumber}）`,
        });
        return result.id;
      }}
      onSuccess={onSubmitted}
    >
      {(form) => (
        <>
          <Typography.Paragraph type="secondary">
            {t("problem.resolveLine", {
              number: target?.studentNumber ?? "",
              kind: tx(`problem.kind.${target?.kind ?? ""}`, target?.kind ?? ""),
            })}
          </Typography.Paragraph>
          <Form.Item name="resolution" label={t("problem.resolution")} rules={[{ required: true }]}>
            <Radio.Group
              options={(["evidence", "correction", "deletion"] as const).map((r) => ({
                value: r,
                label: t(`problem.resolution.${r}`),
              }))}
            />
          </Form.Item>
          <Form.Item noStyle dependencies={["resolution"]}>
            {() =>
              form.getFieldValue("resolution") === "correction" ? (
                <>
                  <Form.Item name={["corrections", "name"]} label={t("change.newName")}>
                    <Input maxLength={100} />
                  </Form.Item>
                  <Form.Item name={["corrections", "sex"]} label={t("change.newSex")}>
                    <CodeSelect codeSet="sex" />
                  </Form.Item>
                  <Form.Item name={["corrections", "birthDate"]} label={t("change.newBirthDate")}>
                    <DatePicker format="YYYY-MM-DD" style={{ width: "100%" }} />
                  </Form.Item>
                  <Form.Item name={["corrections", "idDocumentType"]} label={t("change.newIdType")}>
                    <CodeSelect codeSet="id_document_type" />
                  </Form.Item>
                  <Form.Item name={["corrections", "identityNumber"]} label={t("change.newIdNumber")}>
                    <Input maxLength={30} style={{ textTransform: "uppercase" }} />
                  </Form.Item>
                </>
              ) : form.getFieldValue("resolution") === "deletion" ? (
                <Typography.Paragraph type="warning">{t("problem.deletionWarning")}</Typography.Paragraph>
              ) : null
            }
          </Form.Item>
          <Form.Item
            name="note"
            label={t("problem.note")}
            extra={t("problem.noteHint")}
            rules={[{ required: true, whitespace: true, message: t("form.required") }, { max: 1000 }]}
          >
            <Input.TextArea rows={3} maxLength={1000} showCount />
          </Form.Item>
        </>
      )}
    </FormModal>
  );
}
