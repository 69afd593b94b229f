/** The whole record by the template's groups, codes shown by their labels, as the API gave it. */
import { Card, Col, Descriptions, type DescriptionsProps, Empty, Row, Table } from "antd";
import type { ReactNode } from "react";
import { useDivision } from "../../../shared/api/divisions";
import { useCodeLabel } from "../../../shared/code-sets/code-sets";
import { formatDate, formatMonth } from "../../../shared/format/format";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import type { Guardian, Student } from "../api/students";
import { type FieldGroup, STUDENT_FIELDS, type StudentFieldDef } from "./fields";

/** A division code with its name when the API knows it (12-digit codes by their county). */
function DivisionValue({ code }: { code: string }) {
  const { data } = useDivision(code.slice(0, 6));
  return (
    <span>
      {code}
      {data ? `（${data.name}）` : ""}
    </span>
  );
}

function useFieldValue() {
  const { t } = useI18n();
  const labels: Record<string, (code: string | null | undefined) => string> = {
    sex: useCodeLabel("sex"),
    ethnicity: useCodeLabel("ethnicity"),
    nationality: useCodeLabel("nationality"),
    id_document_type: useCodeLabel("id_document_type"),
    overseas_status: useCodeLabel("overseas_status"),
    political_status: useCodeLabel("political_status"),
    health_status: useCodeLabel("health_status"),
    household_type: useCodeLabel("household_type"),
    grade: useCodeLabel("grade"),
    enrolment_mode: useCodeLabel("enrolment_mode"),
    attendance_mode: useCodeLabel("attendance_mode"),
    left_behind_status: useCodeLabel("left_behind_status"),
    inclusive_schooling: useCodeLabel("inclusive_schooling"),
    disability_type: useCodeLabel("disability_type"),
    guardian_relation: useCodeLabel("guardian_relation"),
  };
  return (field: StudentFieldDef, value: unknown): ReactNode => {
    if (value === null || value === undefined || value === "") return "";
    switch (field.kind) {
      case "code":
        return field.codeSet ? (labels[field.codeSet]?.(String(value)) ?? String(value)) : String(value);
      case "yesNo":
        return value === true ? t("common.yes") : t("common.no");
      case "date":
        return formatDate(String(value));
      case "month":
        return formatMonth(String(value));
      case "division":
      case "division12":
        return <DivisionValue code={String(value)} />;
      default:
        return String(value);
    }
  };
}

const SHOWN_GROUPS: FieldGroup[] = ["basic", "identity", "household", "schooling", "family"];

export function StudentAttributes({ student }: { student: Student }) {
  const { t, tx } = useI18n();
  const value = useFieldValue();
  const record: Record<string, unknown> = { ...student };
  const groupItems = (group: FieldGroup): DescriptionsProps["items"] => {
    const items: NonNullable<DescriptionsProps["items"]> = [];
    if (group === "identity") {
      items.push({
        key: "studentNumber",
        label: t("student.studentNumber"),
        children: student.studentNumber,
      });
    }
    if (group === "schooling") {
      items.push({ key: "school", label: t("student.school"), children: student.schoolName });
    }
    for (const field of STUDENT_FIELDS.filter((f) => f.group === group && f.key !== "schoolCode")) {
      items.push({
        key: field.key,
        label: tx(`student.${field.key}`, field.key),
        children: value(field, record[field.key]),
      });
    }
    return items;
  };
  return (
    <Row gutter={[16, 16]} data-testid="student-attributes">
      {SHOWN_GROUPS.map((group) => (
        <Col key={group} xs={24} xl={12}>
          <Card size="small" title={t(`student.group.${group}`)} style={{ height: "100%" }}>
            <Descriptions size="small" column={1} items={groupItems(group)} />
          </Card>
        </Col>
      ))}
    </Row>
  );
}

export function GuardiansTable({ guardians }: { guardians: Guardian[] }) {
  const { t } = useI18n();
  const relation = useCodeLabel("guardian_relation");
  const idType = useCodeLabel("id_document_type");
  if (guardians.length === 0) return <Empty description={t("student.noGuardians")} />;
  return (
    <Table<Guardian>
      size="small"
      rowKey={(g) => `${g.name}-${g.relation ?? ""}-${g.phone ?? ""}`}
      pagination={false}
      dataSource={guardians}
      scroll={{ x: "max-content" }}
      columns={[
        { key: "name", title: t("student.guardianName"), dataIndex: "name" },
        { key: "relation", title: t("student.guardianRelation"), render: (_, g) => relation(g.relation) },
        { key: "idType", title: t("student.guardianIdType"), render: (_, g) => idType(g.idType) },
        { key: "idNumber", title: t("student.guardianIdNumber"), dataIndex: "idNumber" },
        { key: "phone", title: t("student.guardianPhone"), dataIndex: "phone" },
      ]}
    />
  );
}
