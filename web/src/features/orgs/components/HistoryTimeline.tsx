/** The life of a unit as recorded by the API, newest first, each step with its effective date. */
import { Empty, Skeleton, Tag, Timeline, Typography } from "antd";
import type { ReactNode } from "react";
import { useCodeLabel } from "../../../shared/code-sets/code-sets";
import { formatDate, formatDateTime } from "../../../shared/format/format";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import { UnitNameLink } from "../../../shared/ui/UnitNameLink";
import { type UnitEvent, useUnitHistory } from "../api/orgs";

const COLOURS: Record<string, string> = {
  opened: "green",
  renamed: "blue",
  updated: "blue",
  moved: "blue",
  closed: "red",
  merged: "orange",
  absorbed: "orange",
  reopened: "green",
};

const text = (value: unknown): string => {
  if (value === null || value === undefined || value === "") return "—";
  if (Array.isArray(value)) return value.map(text).join("、");
  return String(value);
};

function Changes({ details }: { details: Record<string, unknown> }) {
  const { t, tx } = useI18n();
  const runningType = useCodeLabel("school_running_type");
  const stage = useCodeLabel("education_stage");
  const ownership = useCodeLabel("ownership");
  const before = (details.before ?? {}) as Record<string, unknown>;
  const after = (details.after ?? {}) as Record<string, unknown>;
  const show = (field: string, value: unknown): ReactNode => {
    if (field === "supervisingUnitId" && typeof value === "number") return <UnitNameLink id={value} />;
    if (field === "runningType" && typeof value === "string") return runningType(value);
    if (field === "ownership" && typeof value === "string") return ownership(value);
    if (field === "stages" && Array.isArray(value)) return value.map((s) => stage(String(s))).join("、");
    return text(value);
  };
  const changed = Object.keys(after).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  if (changed.length === 0) return <span>{t("history.noChange")}</span>;
  return (
    <ul style={{ margin: 0, paddingInlineStart: 18 }}>
      {changed.map((field) => (
        <li key={field}>
          {tx(`school.${field}`, field)}：{show(field, before[field])} → {show(field, after[field])}
        </li>
      ))}
    </ul>
  );
}

function describe(event: UnitEvent): ReactNode {
  const d = event.details;
  switch (event.eventType) {
    case "opened":
      return text(d.name);
    case "renamed":
      return `${text(d.from)} → ${text(d.to)}`;
    case "closed":
      return d.reason ? text(d.reason) : null;
    case "merged":
      return typeof d.intoUnitId === "number" ? <UnitNameLink id={d.intoUnitId} /> : text(d.intoName);
    case "absorbed":
      return typeof d.fromUnitId === "number" ? <UnitNameLink id={d.fromUnitId} /> : text(d.fromName);
    case "moved":
      return (
        <span>
          <UnitNameLink id={typeof d.fromParentId === "number" ? d.fromParentId : null} /> →{" "}
          <UnitNameLink id={typeof d.toParentId === "number" ? d.toParentId : null} />
        </span>
      );
    case "updated":
      return <Changes details={d} />;
    default:
      return null;
  }
}

export function HistoryTimeline({ unitId }: { unitId: number }) {
  const { tx } = useI18n();
  const { data, isPending, error } = useUnitHistory(unitId);
  if (isPending) return <Skeleton active />;
  if (error) return <ProblemAlert error={error} />;
  if (data.items.length === 0) return <Empty />;
  const events = [...data.items].sort(
    (a, b) => b.effectiveOn.localeCompare(a.effectiveOn) || b.createdAt.localeCompare(a.createdAt),
  );
  return (
    <Timeline
      data-testid="unit-history"
      items={events.map((event) => ({
        key: event.id,
        color: COLOURS[event.eventType] ?? "gray",
        title: formatDate(event.effectiveOn),
        content: (
          <div>
            <Tag color={COLOURS[event.eventType]}>{tx(`history.${event.eventType}`, event.eventType)}</Tag>
            <span>{describe(event)}</span>
            <div>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {formatDateTime(event.createdAt)}
              </Typography.Text>
            </div>
          </div>
        ),
      }))}
    />
  );
}
