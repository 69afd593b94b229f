/**
 * The registry changes (学籍异动) of a record, newest first: the change type by its national
 * label, the effective date, what changed (before → after) and the approval request behind it.
 */
import { Empty, Skeleton, Tag, Timeline, Typography } from "antd";
import type { ReactNode } from "react";
import { Link } from "react-router";
import { useCodeLabel } from "../../../shared/code-sets/code-sets";
import { formatDate, formatDateTime } from "../../../shared/format/format";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import { UnitNameLink } from "../../../shared/ui/UnitNameLink";
import { type StudentEvent, useStudentHistory } from "../api/students";

const COLOURS: Record<string, string> = {
  "11": "green",
  "12": "green",
  "13": "blue",
  "21": "blue",
  "22": "blue",
  "23": "orange",
  "24": "red",
  "25": "red",
  "26": "gray",
  "27": "blue",
  "28": "red",
  "31": "green",
  "32": "blue",
  "33": "orange",
  "34": "purple",
};

/** Field values of a snapshot, readably: codes by label, the school by name. */
export function useSnapshotValue() {
  const grade = useCodeLabel("grade");
  const status = useCodeLabel("student_status");
  const sex = useCodeLabel("sex");
  return (field: string, value: unknown): ReactNode => {
    if (value === null || value === undefined || value === "") return "—";
    if (field === "schoolUnitId" && typeof value === "number") return <UnitNameLink id={value} />;
    if (field === "grade") return grade(String(value));
    if (field === "status") return status(String(value));
    if (field === "sex") return sex(String(value));
    if (field === "birthDate") return formatDate(String(value));
    return String(value);
  };
}

function Changes({ event }: { event: StudentEvent }) {
  const { tx } = useI18n();
  const show = useSnapshotValue();
  const fields = [...new Set([...Object.keys(event.before), ...Object.keys(event.after)])];
  if (fields.length === 0) return null;
  return (
    <ul style={{ margin: "4px 0 0", paddingInlineStart: 18 }}>
      {fields.map((field) => (
        <li key={field}>
          {tx(`student.${field}`, field)}：
          {field in event.before ? (
            <>
              {show(field, event.before[field])} → {show(field, event.after[field])}
            </>
          ) : (
            show(field, event.after[field])
          )}
        </li>
      ))}
    </ul>
  );
}

export function StudentHistory({ studentId }: { studentId: number }) {
  const { t } = useI18n();
  const changeType = useCodeLabel("registry_change_type");
  const { data, isPending, error } = useStudentHistory(studentId);
  if (isPending) return <Skeleton active />;
  if (error) return <ProblemAlert error={error} />;
  if (data.items.length === 0) return <Empty />;
  const events = [...data.items].sort(
    (a, b) => b.effectiveOn.localeCompare(a.effectiveOn) || b.createdAt.localeCompare(a.createdAt),
  );
  return (
    <Timeline
      data-testid="student-history"
      items={events.map((event) => ({
        key: event.id,
        color: COLOURS[event.changeType] ?? "gray",
        title: formatDate(event.effectiveOn),
        content: (
          <div>
            <Tag color={COLOURS[event.changeType]}>{changeType(event.changeType)}</Tag>
            {event.schoolName ? <span>{event.schoolName}</span> : null}
            <Changes event={event} />
            <div>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {formatDateTime(event.createdAt)}
                {event.requestId ? (
                  <>
                    {" · "}
                    <Link to={`/approvals/requests/${event.requestId}`}>
                      {t("student.historyRequest", { id: event.requestId })}
                    </Link>
                  </>
                ) : null}
              </Typography.Text>
            </div>
          </div>
        ),
      }))}
    />
  );
}
