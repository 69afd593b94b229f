/**
 * What a request asks for, readably: the student by name, number and school rather than an id,
 * dates as YYYY-MM-DD, codes by their labels. Keys the console does not know are shown as given.
 */
import { Descriptions, type DescriptionsProps, Typography } from "antd";
import type { ReactNode } from "react";
import { Link } from "react-router";
import { useCodeLabel } from "../../../shared/code-sets/code-sets";
import { formatDate } from "../../../shared/format/format";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { useCan } from "../../../shared/session/session";
import { UnitNameLink } from "../../../shared/ui/UnitNameLink";
import { useStudentBrief } from "../api/workflow";

const UNIT_KEYS = new Set(["schoolId", "fromSchoolId", "toSchoolId", "unitId"]);
const DATE_KEYS = new Set(["from", "until", "effectiveOn", "birthDate"]);
/** Shown first, in this order; everything else follows as the API sent it. */
const ORDER = [
  "studentId",
  "studentNumber",
  "name",
  "schoolId",
  "fromSchoolId",
  "toSchoolId",
  "className",
  "grade",
  "from",
  "until",
  "effectiveOn",
  "resolution",
  "problemId",
  "changes",
  "corrections",
  "reason",
  "note",
];

function StudentCell({ id }: { id: number }) {
  const { t } = useI18n();
  const can = useCan();
  const grade = useCodeLabel("grade");
  const status = useCodeLabel("student_status");
  const { data, isError } = useStudentBrief(id, can("students:read"));
  if (!data)
    return <span>{isError || !can("students:read") ? t("payload.studentRecord", { id }) : "…"}</span>;
  return (
    <span data-testid="payload-student">
      <Link to={`/students/${data.id}`}>{data.name}</Link>（{data.studentNumber}）· {data.schoolName} ·{" "}
      {grade(data.grade)}
      {data.className ? ` ${data.className}` : ""} · {status(data.status)}
    </span>
  );
}

function Changes({ value }: { value: Record<string, unknown> }) {
  const { tx } = useI18n();
  const sex = useCodeLabel("sex");
  const documentType = useCodeLabel("id_document_type");
  const show = (key: string, v: unknown): string => {
    if (typeof v !== "string") return JSON.stringify(v);
    if (key === "sex") return sex(v);
    if (key === "idDocumentType") return documentType(v);
    return v;
  };
  return (
    <ul style={{ margin: 0, paddingInlineStart: 18 }}>
      {Object.entries(value).map(([key, v]) => (
        <li key={key}>
          {tx(`student.${key}`, key)}：{show(key, v)}
        </li>
      ))}
    </ul>
  );
}

export function PayloadView({ payload }: { payload: Record<string, unknown> }) {
  const { t, tx } = useI18n();
  const grade = useCodeLabel("grade");
  const render = (key: string, value: unknown): ReactNode => {
    if (value === null || value === undefined || value === "") return "—";
    if (key === "studentId" && typeof value === "number") return <StudentCell id={value} />;
    if (UNIT_KEYS.has(key) && typeof value === "number") return <UnitNameLink id={value} />;
    if (DATE_KEYS.has(key) && typeof value === "string") return formatDate(value);
    if (key === "grade" && typeof value === "string") return grade(value);
    if (key === "resolution" && typeof value === "string") return tx(`problem.resolution.${value}`, value);
    if (key === "problemId") return `#${String(value)}`;
    if ((key === "changes" || key === "corrections") && typeof value === "object")
      return <Changes value={value as Record<string, unknown>} />;
    if (typeof value === "boolean") return value ? t("common.yes") : t("common.no");
    if (typeof value === "object")
      return (
        <Typography.Text code style={{ whiteSpace: "pre-wrap" }}>
          {JSON.stringify(value)}
        </Typography.Text>
      );
    return String(value);
  };
  const keys = [
    ...ORDER.filter((key) => key in payload),
    ...Object.keys(payload).filter((key) => !ORDER.includes(key)),
  ];
  const items: DescriptionsProps["items"] = keys.map((key) => ({
    key,
    label: tx(`payload.${key}`, key),
    children: render(key, payload[key]),
    span:
      key === "studentId" || key === "reason" || key === "note" || key === "changes" ? "filled" : undefined,
  }));
  return (
    <Descriptions
      bordered
      size="small"
      column={2}
      items={items}
      styles={{ label: { whiteSpace: "nowrap" } }}
      data-testid="request-payload"
    />
  );
}
