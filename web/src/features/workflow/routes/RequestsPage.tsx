/** Every request of the caller's scope (a party or an acting unit lies in it), newest first. */
import { Select } from "antd";
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { formatDate, formatDateTime } from "../../../shared/format/format";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { type DataColumn, DataTable } from "../../../shared/ui/DataTable";
import { PageTitle } from "../../../shared/ui/PageTitle";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import { REQUEST_STATUSES, type RequestStatus, type RequestSummary, useRequests } from "../api/workflow";
import { RequestStatusTag, TypeSelect, useTypeTitle } from "../components/RequestTags";

function isStatus(value: string | null): value is RequestStatus {
  return REQUEST_STATUSES.includes(value as RequestStatus);
}

export function RequestsPage() {
  const { t } = useI18n();
  const typeTitle = useTypeTitle();
  // The dashboard links here with ?status=in_progress; the filters start from the address.
  const [params] = useSearchParams();
  const initialStatus = params.get("status");
  const [type, setType] = useState<string | undefined>(params.get("type") ?? undefined);
  const [status, setStatus] = useState<RequestStatus | undefined>(
    isStatus(initialStatus) ? initialStatus : undefined,
  );
  const [paging, setPaging] = useState({ page: 1, pageSize: 20 });
  const { data, isFetching, error } = useRequests({ type, status, ...paging });
  const page1 = () => setPaging((p) => ({ ...p, page: 1 }));

  const columns: DataColumn<RequestSummary>[] = [
    { key: "id", title: t("workflow.requestNo"), render: (_, r) => `#${r.id}` },
    {
      key: "title",
      title: t("workflow.title"),
      fixedVisible: true,
      render: (_, r) => <Link to={`/approvals/requests/${r.id}`}>{r.title}</Link>,
    },
    { key: "type", title: t("workflow.type"), render: (_, r) => typeTitle(r.type) },
    {
      key: "status",
      title: t("workflow.statusLabel"),
      render: (_, r) => <RequestStatusTag status={r.status} />,
    },
    { key: "subject", title: t("workflow.subjectUnit"), render: (_, r) => r.subjectUnit.name },
    { key: "submitter", title: t("workflow.submitterUnit"), render: (_, r) => r.submitterUnit.name },
    { key: "submittedAt", title: t("workflow.submittedAt"), render: (_, r) => formatDateTime(r.submittedAt) },
    { key: "closedAt", title: t("workflow.closedAt"), render: (_, r) => formatDate(r.closedAt) },
    { key: "round", title: t("workflow.roundColumn"), dataIndex: "round", defaultHidden: true },
  ];

  return (
    <>
      <PageTitle title={t("workflow.requestsTitle")} sub={t("workflow.requestsSub")} />
      <ProblemAlert error={error} />
      <DataTable<RequestSummary>
        tableId="workflow-requests"
        testId="requests-table"
        columns={columns}
        rows={data?.items}
        rowKey="id"
        loading={isFetching}
        pageState={data}
        onPageChange={(page, pageSize) => setPaging({ page, pageSize })}
        toolbar={
          <>
            <TypeSelect
              value={type}
              onChange={(value) => {
                setType(value);
                page1();
              }}
            />
            <Select<RequestStatus>
              allowClear
              style={{ width: 140 }}
              aria-label={t("workflow.statusLabel")}
              placeholder={t("workflow.statusLabel")}
              value={status}
              onChange={(value) => {
                setStatus(value);
                page1();
              }}
              options={REQUEST_STATUSES.map((s) => ({ value: s, label: t(`workflow.status.${s}`) }))}
            />
          </>
        }
      />
    </>
  );
}
