/**
 * 超期督办: steps of the scope past their working-day deadline, each with the unit above the
 * acting one that the API escalates it to, so a county sees which school is late and by how much.
 */
import { Typography } from "antd";
import { useState } from "react";
import { Link } from "react-router";
import { formatDate } from "../../../shared/format/format";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { type DataColumn, DataTable } from "../../../shared/ui/DataTable";
import { PageTitle } from "../../../shared/ui/PageTitle";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import { type OverdueStep, useOverdue } from "../api/workflow";
import { useStepName, useTypeTitle } from "../components/RequestTags";

export function OverduePage() {
  const { t } = useI18n();
  const typeTitle = useTypeTitle();
  const stepName = useStepName();
  const [paging, setPaging] = useState({ page: 1, pageSize: 20 });
  const { data, isFetching, error } = useOverdue(paging);

  const columns: DataColumn<OverdueStep>[] = [
    {
      key: "title",
      title: t("workflow.title"),
      fixedVisible: true,
      render: (_, s) => <Link to={`/approvals/requests/${s.requestId}`}>{s.title}</Link>,
    },
    { key: "type", title: t("workflow.type"), render: (_, s) => typeTitle(s.type) },
    { key: "acting", title: t("workflow.actingUnit"), render: (_, s) => s.actingUnit.name },
    { key: "step", title: t("workflow.step"), render: (_, s) => stepName({ ...s, side: "subject" }) },
    {
      key: "dueOn",
      title: t("workflow.dueOnColumn"),
      render: (_, s) => <Typography.Text type="danger">{formatDate(s.dueOn)}</Typography.Text>,
    },
    {
      key: "late",
      title: t("workflow.overdueDays"),
      align: "right",
      render: (_, s) => t("workflow.workingDays", { days: s.overdueWorkingDays }),
    },
    {
      key: "escalatedTo",
      title: t("workflow.escalatedTo"),
      render: (_, s) => s.escalatedTo?.name ?? t("workflow.noEscalation"),
    },
    {
      key: "subject",
      title: t("workflow.subjectUnit"),
      render: (_, s) => s.subjectUnit.name,
      defaultHidden: true,
    },
  ];

  return (
    <>
      <PageTitle title={t("workflow.overdueTitle")} sub={t("workflow.overdueSub")} />
      <ProblemAlert error={error} />
      <DataTable<OverdueStep>
        tableId="workflow-overdue"
        testId="overdue-table"
        columns={columns}
        rows={data?.items}
        rowKey="stepId"
        loading={isFetching}
        pageState={data}
        onPageChange={(page, pageSize) => setPaging({ page, pageSize })}
        rowClassName={() => "row-attention"}
      />
    </>
  );
}
