/**
 * 问题学籍: the queue of suspected duplicates, identity numbers failing their check and records
 * missing required fields, in the selected unit's subtree. Clerks who maintain records can scan
 * for new problems and start the resolution (an approval request) of each; a problem being
 * resolved shows its status (处理中) and links to its request.
 */
import { ScanOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Select, Typography } from "antd";
import { useState } from "react";
import { Link } from "react-router";
import { useSelectedUnit } from "../../../shared/api/selected-unit";
import { formatDate } from "../../../shared/format/format";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { useCan } from "../../../shared/session/session";
import { type DataColumn, DataTable } from "../../../shared/ui/DataTable";
import { PageTitle } from "../../../shared/ui/PageTitle";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import {
  invalidateStudents,
  PROBLEM_KINDS,
  PROBLEM_STATUSES,
  type ProblemRow,
  type ScanReport,
  scanProblems,
  useProblems,
} from "../api/students";
import { type ProblemTarget, ResolveProblemModal } from "../components/ResolveProblemModal";
import { ProblemKindTag, ProblemStatusTag } from "../components/StudentTags";

function DetailText({ problem }: { problem: ProblemRow }) {
  const fields = problem.detail.fields;
  if (Array.isArray(fields)) return <span>{fields.map(String).join("、")}</span>;
  return null;
}

export function ProblemQueuePage() {
  const { t, tx } = useI18n();
  const can = useCan();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const { unit } = useSelectedUnit();
  const [kind, setKind] = useState<string>();
  const [status, setStatus] = useState<string>("open");
  const [paging, setPaging] = useState({ page: 1, pageSize: 20 });
  const [scanning, setScanning] = useState(false);
  const [scan, setScan] = useState<ScanReport | null>(null);
  const [resolving, setResolving] = useState<ProblemTarget | null>(null);
  const [submitted, setSubmitted] = useState<number | null>(null);
  const { data, isFetching, error } = useProblems({ kind, status, withinUnitId: unit.id, ...paging });
  const mayResolve = can("students:write") && can("workflow:write");
  const page1 = () => setPaging((p) => ({ ...p, page: 1 }));

  const runScan = async () => {
    setScanning(true);
    try {
      setScan(await scanProblems(unit.id));
      await invalidateStudents(queryClient);
    } catch (failure) {
      message.error(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setScanning(false);
    }
  };

  const columns: DataColumn<ProblemRow>[] = [
    { key: "id", title: t("problem.id"), render: (_, p) => `#${p.id}` },
    {
      key: "studentNumber",
      title: t("student.studentNumber"),
      fixedVisible: true,
      render: (_, p) => <Link to={`/students/${p.studentId}`}>{p.studentNumber}</Link>,
    },
    { key: "name", title: t("student.name"), dataIndex: "name", fixedVisible: true },
    { key: "identityNumber", title: t("student.identityNumber"), dataIndex: "identityNumber" },
    { key: "school", title: t("student.school"), dataIndex: "schoolName" },
    { key: "kind", title: t("problem.kind"), render: (_, p) => <ProblemKindTag kind={p.kind} /> },
    { key: "detail", title: t("problem.detail"), render: (_, p) => <DetailText problem={p} /> },
    {
      key: "related",
      title: t("problem.related"),
      render: (_, p) =>
        p.relatedStudentId ? (
          <Link to={`/students/${p.relatedStudentId}`}>
            {t("problem.relatedRecord", { id: p.relatedStudentId })}
          </Link>
        ) : null,
    },
    { key: "status", title: t("problem.status"), render: (_, p) => <ProblemStatusTag status={p.status} /> },
    {
      key: "request",
      title: t("problem.request"),
      render: (_, p) =>
        p.requestId ? (
          <Link
            to={`/approvals/requests/${p.requestId}`}
            aria-label={t("problem.requestNamed", { id: p.requestId })}
          >
            #{p.requestId}
          </Link>
        ) : null,
    },
    { key: "createdAt", title: t("problem.createdAt"), render: (_, p) => formatDate(p.createdAt) },
  ];
  if (mayResolve) {
    columns.push({
      key: "actions",
      title: t("common.actions"),
      fixedVisible: true,
      render: (_, p) =>
        p.status === "open" ? (
          <Button
            type="link"
            size="small"
            aria-label={t("problem.resolveNamed", { name: p.name })}
            onClick={() =>
              setResolving({
                problemId: p.id,
                kind: p.kind,
                studentId: p.studentId,
                studentName: p.name,
                studentNumber: p.studentNumber,
                schoolId: p.schoolId,
              })
            }
          >
            {t("problem.resolve")}
          </Button>
        ) : null,
    });
  }

  return (
    <>
      <PageTitle
        title={t("problem.title")}
        sub={
          unit.kind === "school"
            ? t("problem.scopeSchool", { name: unit.name })
            : t("problem.scope", { name: unit.name })
        }
        extra={
          can("students:write") ? (
            <Button icon={<ScanOutlined />} loading={scanning} onClick={() => void runScan()}>
              {t("problem.scan")}
            </Button>
          ) : null
        }
      />
      {scan ? (
        <Alert
          type="info"
          showIcon
          role="status"
          closable={{ onClose: () => setScan(null) }}
          title={t("problem.scanDone")}
          description={Object.entries(scan)
            .map(([k, n]) => `${tx(`problem.kind.${k}`, k)} ${n}`)
            .join("；")}
          style={{ marginBottom: 16 }}
        />
      ) : null}
      {submitted ? (
        <Alert
          type="success"
          showIcon
          role="status"
          closable={{ onClose: () => setSubmitted(null) }}
          title={t("change.submitted", { type: t("problem.resolutionRequest"), id: submitted })}
          description={<Link to={`/approvals/requests/${submitted}`}>{t("change.openRequest")}</Link>}
          style={{ marginBottom: 16 }}
        />
      ) : null}
      <ProblemAlert error={error} />
      <Typography.Paragraph type="secondary">{t("problem.help")}</Typography.Paragraph>
      <DataTable<ProblemRow>
        tableId="student-problems"
        testId="problems-table"
        columns={columns}
        rows={data?.items}
        rowKey="id"
        loading={isFetching}
        pageState={data}
        onPageChange={(page, pageSize) => setPaging({ page, pageSize })}
        toolbar={
          <>
            <Select
              allowClear
              style={{ width: 200 }}
              aria-label={t("problem.kind")}
              placeholder={t("problem.kind")}
              value={kind}
              onChange={(value) => {
                setKind(value);
                page1();
              }}
              options={PROBLEM_KINDS.map((k) => ({ value: k, label: t(`problem.kind.${k}`) }))}
            />
            <Select
              style={{ width: 140 }}
              aria-label={t("problem.status")}
              value={status}
              onChange={(value) => {
                setStatus(value);
                page1();
              }}
              options={PROBLEM_STATUSES.map((s) => ({ value: s, label: t(`problem.status.${s}`) }))}
            />
          </>
        }
      />
      <ResolveProblemModal
        target={resolving}
        onClose={() => setResolving(null)}
        onSubmitted={(id) => {
          setSubmitted(id);
          void invalidateStudents(queryClient);
        }}
      />
    </>
  );
}
