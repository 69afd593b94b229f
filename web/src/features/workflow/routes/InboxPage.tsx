/**
 * 待办: approval steps waiting for the caller's own unit, oldest first as the API orders them.
 * Filters by request type and by how long a step has waited; overdue steps stand out with
 * their due date.
 */
import { Checkbox, InputNumber, Tag, Typography } from "antd";
import { useState } from "react";
import { Link } from "react-router";
import { formatDate } from "../../../shared/format/format";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { useMe } from "../../../shared/session/session";
import { type DataColumn, DataTable } from "../../../shared/ui/DataTable";
import { PageTitle } from "../../../shared/ui/PageTitle";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import { type PendingStep, useInbox } from "../api/workflow";
import { TypeSelect, useStepName, useTypeTitle } from "../components/RequestTags";

export function DueCell({ step }: { step: Pick<PendingStep, "dueOn" | "overdue"> }) {
  const { t } = useI18n();
  if (!step.dueOn) return null;
  return (
    <span>
      <Typography.Text type={step.overdue ? "danger" : undefined}>{formatDate(step.dueOn)}</Typography.Text>
      {step.overdue ? (
        <Tag color="red" style={{ marginInlineStart: 8 }}>
          {t("workflow.overdue")}
        </Tag>
      ) : null}
    </span>
  );
}

export function InboxPage() {
  const { t } = useI18n();
  const { data: me } = useMe();
  const typeTitle = useTypeTitle();
  const stepName = useStepName();
  const [type, setType] = useState<string>();
  const [minAgeDays, setMinAgeDays] = useState<number | null>(null);
  const [overdueOnly, setOverdueOnly] = useState(false);
  const [paging, setPaging] = useState({ page: 1, pageSize: 20 });
  const { data, isFetching, error } = useInbox({
    type,
    minAgeDays: minAgeDays ?? undefined,
    overdueOnly,
    ...paging,
  });
  const page1 = () => setPaging((p) => ({ ...p, page: 1 }));

  const columns: DataColumn<PendingStep>[] = [
    {
      key: "title",
      title: t("workflow.title"),
      fixedVisible: true,
      render: (_, step) => <Link to={`/approvals/requests/${step.requestId}`}>{step.title}</Link>,
    },
    { key: "type", title: t("workflow.type"), render: (_, step) => typeTitle(step.type) },
    { key: "subject", title: t("workflow.subjectUnit"), render: (_, step) => step.subjectUnit.name },
    { key: "step", title: t("workflow.step"), render: (_, step) => stepName({ ...step, side: "subject" }) },
    { key: "startedAt", title: t("workflow.startedAt"), render: (_, step) => formatDate(step.startedAt) },
    { key: "dueOn", title: t("workflow.dueOnColumn"), render: (_, step) => <DueCell step={step} /> },
    {
      key: "requestId",
      title: t("workflow.requestNo"),
      render: (_, step) => `#${step.requestId}`,
      defaultHidden: true,
    },
    {
      key: "actions",
      title: t("common.actions"),
      fixedVisible: true,
      render: (_, step) => (
        <Link
          to={`/approvals/requests/${step.requestId}`}
          aria-label={t("workflow.handleNamed", { title: step.title })}
        >
          {t("workflow.handle")}
        </Link>
      ),
    },
  ];

  return (
    <>
      <PageTitle
        title={t("workflow.inboxTitle")}
        sub={t("workflow.inboxSub", { unit: me?.unitName ?? "" })}
      />
      <ProblemAlert error={error} />
      <DataTable<PendingStep>
        tableId="workflow-inbox"
        testId="inbox-table"
        columns={columns}
        rows={data?.items}
        rowKey="stepId"
        loading={isFetching}
        pageState={data}
        onPageChange={(page, pageSize) => setPaging({ page, pageSize })}
        rowClassName={(step) => (step.overdue ? "row-attention" : "")}
        toolbar={
          <>
            <TypeSelect
              value={type}
              onChange={(value) => {
                setType(value);
                page1();
              }}
            />
            <InputNumber<number>
              min={0}
              max={3650}
              precision={0}
              style={{ width: 170 }}
              aria-label={t("workflow.minAgeDays")}
              placeholder={t("workflow.minAgeDays")}
              value={minAgeDays}
              onChange={(value) => {
                setMinAgeDays(value);
                page1();
              }}
            />
            <Checkbox
              checked={overdueOnly}
              onChange={(event) => {
                setOverdueOnly(event.target.checked);
                page1();
              }}
            >
              {t("workflow.overdueOnly")}
            </Checkbox>
          </>
        }
      />
    </>
  );
}
