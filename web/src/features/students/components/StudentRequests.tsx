/**
 * The approval requests about a student (registry changes, transfers, problem resolutions) that
 * the caller may see, newest first, each linking to the request's page.
 */
import { Table } from "antd";
import { useState } from "react";
import { Link } from "react-router";
import { formatDate, formatDateTime } from "../../../shared/format/format";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import type { RequestSummary } from "../../workflow/api/workflow";
import { RequestStatusTag, useTypeTitle } from "../../workflow/components/RequestTags";
import { useStudentRequests } from "../api/students";

export function StudentRequests({ studentId }: { studentId: number }) {
  const { t } = useI18n();
  const typeTitle = useTypeTitle();
  const [paging, setPaging] = useState({ page: 1, pageSize: 10 });
  const { data, isFetching, error } = useStudentRequests(studentId, paging.page, paging.pageSize);
  if (error) return <ProblemAlert error={error} />;
  return (
    <Table<RequestSummary>
      size="small"
      rowKey="id"
      data-testid="student-requests"
      loading={isFetching}
      dataSource={data?.items}
      locale={{ emptyText: t("student.noRequests") }}
      pagination={{
        current: paging.page,
        pageSize: paging.pageSize,
        total: data?.total ?? 0,
        hideOnSinglePage: true,
        onChange: (page, pageSize) => setPaging({ page, pageSize }),
      }}
      columns={[
        {
          key: "id",
          title: t("workflow.requestNo"),
          render: (_, r) => <Link to={`/approvals/requests/${r.id}`}>#{r.id}</Link>,
        },
        { key: "type", title: t("workflow.type"), render: (_, r) => typeTitle(r.type) },
        {
          key: "title",
          title: t("workflow.title"),
          render: (_, r) => <Link to={`/approvals/requests/${r.id}`}>{r.title}</Link>,
        },
        {
          key: "status",
          title: t("workflow.statusLabel"),
          render: (_, r) => <RequestStatusTag status={r.status} />,
        },
        { key: "submitter", title: t("workflow.submitterUnit"), render: (_, r) => r.submitterUnit.name },
        {
          key: "submittedAt",
          title: t("workflow.submittedAt"),
          render: (_, r) => formatDateTime(r.submittedAt),
        },
        { key: "closedAt", title: t("workflow.closedAt"), render: (_, r) => formatDate(r.closedAt) },
      ]}
    />
  );
}
