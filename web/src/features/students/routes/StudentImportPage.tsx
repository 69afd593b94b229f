/**
 * The student import wizard: template → upload → the API checks and stages every row as a job
 * (polled here with its progress) → the report (errors by row and column, suspected duplicates)
 * → commit registers exactly the ready rows in one transaction → result. Duplicates are left out
 * unless the clerk asks for them to be registered as problem records. The job id is kept in the
 * address, so a reload or a later visit returns to the same report.
 */
import { DownloadOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  App,
  Button,
  Card,
  Checkbox,
  Flex,
  Progress,
  Result,
  Table,
  Tabs,
  Tag,
  Typography,
} from "antd";
import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { useSelectedUnit } from "../../../shared/api/selected-unit";
import { formatCount, formatDateTime } from "../../../shared/format/format";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { useMe } from "../../../shared/session/session";
import {
  ImportDone,
  ImportFigures,
  ImportIssueTable,
  ImportReportActions,
  ImportTemplateStep,
  ImportUploadStep,
  ImportWizard,
} from "../../../shared/ui/ImportWizard";
import { UnitPicker } from "../../../shared/ui/UnitPicker";
import {
  commitImport,
  type DuplicateRow,
  downloadImportErrors,
  downloadImportTemplate,
  type ImportReport,
  type ImportSummary,
  uploadStudents,
  useImport,
  useRecentImports,
} from "../api/imports";
import { invalidateStudents } from "../api/students";

/** The report's counts, in the order a clerk reads them; errors and duplicates in red when present. */
const FIGURES = ["totalRows", "readyRows", "existingRows", "duplicateCount", "errorRows"] as const;
const ALERTING: ReadonlySet<string> = new Set(["duplicateCount", "errorRows"]);

function JobProgress({ report, label }: { report: ImportReport | undefined; label: string }) {
  const total = report?.progressTotal ?? 0;
  const done = report?.progressDone ?? 0;
  const percent = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0;
  return (
    <div role="status" aria-live="polite" data-testid="import-job-progress" style={{ margin: "24px 0" }}>
      <Progress percent={percent} status="active" />
      <Typography.Text type="secondary">
        {label}
        {total > 0 ? `（${formatCount(done)} / ${formatCount(total)}）` : ""}
      </Typography.Text>
    </div>
  );
}

function ErrorDownloads({ jobId }: { jobId: number }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const run = async (format: "xlsx" | "csv") => {
    try {
      await downloadImportErrors(jobId, format);
    } catch (error) {
      message.error(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <Flex gap={8}>
      <Button icon={<DownloadOutlined />} onClick={() => void run("xlsx")}>
        {t("studentImport.errorsXlsx")}
      </Button>
      <Button onClick={() => void run("csv")}>{t("studentImport.errorsCsv")}</Button>
    </Flex>
  );
}

function ReportView({
  report,
  onCommit,
  onRestart,
  committing,
}: {
  report: ImportReport;
  onCommit: (registerDuplicates: boolean) => void;
  onRestart: () => void;
  committing: boolean;
}) {
  const { t } = useI18n();
  const [registerDuplicates, setRegisterDuplicates] = useState(false);
  const commitCount = report.readyRows + (registerDuplicates ? report.duplicateCount : 0);
  return (
    <>
      <ImportFigures
        figures={FIGURES.map((key) => ({
          key,
          title: t(`studentImport.${key}`),
          value: report[key],
          alert: ALERTING.has(key),
        }))}
      />
      {report.errorRows > 0 ? (
        <Alert
          type="error"
          showIcon
          role="alert"
          title={t("studentImport.hasErrors", { rows: report.errorRows, count: report.errorCount })}
          description={t("studentImport.errorsLeftOut")}
          style={{ marginBottom: 16 }}
        />
      ) : null}
      {report.duplicateCount > 0 ? (
        <Alert
          type="warning"
          showIcon
          title={t("studentImport.hasDuplicates", { count: report.duplicateCount })}
          description={t("studentImport.duplicatesHelp")}
          style={{ marginBottom: 16 }}
        />
      ) : null}
      {report.errorRows === 0 && report.duplicateCount === 0 && report.readyRows > 0 ? (
        <Alert
          type="success"
          showIcon
          title={t("studentImport.ready", { count: report.readyRows })}
          style={{ marginBottom: 16 }}
        />
      ) : null}
      {report.truncated ? (
        <Alert type="info" showIcon title={t("studentImport.truncated")} style={{ marginBottom: 16 }} />
      ) : null}
      {report.errorCount + report.duplicateCount > 0 ? (
        <Tabs
          items={[
            {
              key: "errors",
              label: t("studentImport.errorTab", { count: report.errorCount }),
              children: <ImportIssueTable testId="student-import-errors" issues={report.errors} />,
            },
            {
              key: "duplicates",
              label: t("studentImport.duplicateTab", { count: report.duplicateCount }),
              children: (
                <ImportIssueTable<DuplicateRow>
                  issues={report.duplicateRows}
                  rowKey={(e) => `${e.row}-${e.code}`}
                  extraColumns={[
                    {
                      key: "related",
                      title: t("studentImport.related"),
                      render: (_, d) =>
                        d.relatedStudentId ? (
                          <Link to={`/students/${d.relatedStudentId}`}>
                            {t("problem.relatedRecord", { id: d.relatedStudentId })}
                          </Link>
                        ) : d.relatedRow ? (
                          t("studentImport.relatedRow", { row: d.relatedRow })
                        ) : null,
                    },
                  ]}
                />
              ),
            },
          ]}
        />
      ) : null}
      <Flex gap={8} wrap align="center" style={{ marginTop: 16 }}>
        {report.errorCount + report.duplicateCount > 0 ? <ErrorDownloads jobId={report.jobId} /> : null}
        {report.duplicateCount > 0 ? (
          <Checkbox
            checked={registerDuplicates}
            onChange={(event) => setRegisterDuplicates(event.target.checked)}
          >
            {t("studentImport.registerDuplicates")}
          </Checkbox>
        ) : null}
      </Flex>
      <ImportReportActions
        busy={committing}
        commitLabel={t("studentImport.commit", { count: commitCount })}
        commitDisabled={commitCount === 0}
        onCommit={() => onCommit(registerDuplicates)}
        onRestart={onRestart}
      />
    </>
  );
}

function RecentImports({ onOpen }: { onOpen: (jobId: number) => void }) {
  const { t, tx } = useI18n();
  const { data } = useRecentImports();
  if (!data || data.items.length === 0) return null;
  return (
    <Card size="small" title={t("studentImport.recent")} style={{ marginTop: 16 }}>
      <Table<ImportSummary>
        size="small"
        rowKey="jobId"
        pagination={{ pageSize: 5, hideOnSinglePage: true }}
        dataSource={data.items}
        columns={[
          { key: "file", title: t("studentImport.file"), render: (_, i) => i.fileName ?? `#${i.jobId}` },
          {
            key: "phase",
            title: t("studentImport.phase"),
            render: (_, i) => <Tag>{tx(`studentImport.phase.${i.phase}`, i.phase)}</Tag>,
          },
          { key: "total", title: t("studentImport.totalRows"), dataIndex: "totalRows", align: "right" },
          { key: "created", title: t("studentImport.created"), dataIndex: "created", align: "right" },
          { key: "time", title: t("studentImport.time"), render: (_, i) => formatDateTime(i.createdAt) },
          {
            key: "actions",
            title: t("common.actions"),
            render: (_, i) => (
              <Button type="link" size="small" onClick={() => onOpen(i.jobId)}>
                {t("studentImport.open")}
              </Button>
            ),
          },
        ]}
      />
    </Card>
  );
}

export function StudentImportPage() {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const { data: me } = useMe();
  const { unit } = useSelectedUnit();
  const [params, setParams] = useSearchParams();
  const jobParam = Number(params.get("job"));
  const jobId = Number.isSafeInteger(jobParam) && jobParam > 0 ? jobParam : null;
  const [started, setStarted] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [schoolCode, setSchoolCode] = useState<string | undefined>(
    unit.kind === "school" ? unit.code : undefined,
  );
  const [uploading, setUploading] = useState<number | null>(null);
  const [committing, setCommitting] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const { data: report, error: reportError } = useImport(jobId);
  const aboveSchool = me?.side !== "school";

  const openJob = (id: number | null) => {
    setError(null);
    setParams(id === null ? {} : { job: String(id) });
  };

  const upload = async () => {
    if (!file) return;
    setError(null);
    setUploading(0);
    try {
      const { jobId: id } = await uploadStudents(file, aboveSchool ? schoolCode : undefined, setUploading);
      openJob(id);
    } catch (failure) {
      setError(failure);
    } finally {
      setUploading(null);
    }
  };

  const commit = async (registerDuplicates: boolean) => {
    if (!jobId) return;
    setCommitting(true);
    setError(null);
    try {
      await commitImport(jobId, registerDuplicates);
      await queryClient.invalidateQueries({ queryKey: ["students", "imports"] });
    } catch (failure) {
      setError(failure);
    } finally {
      setCommitting(false);
    }
  };

  const restart = () => {
    setFile(null);
    setStarted(true);
    openJob(null);
  };

  const phase = report?.phase;
  const step = jobId === null ? (started ? 1 : 0) : phase === "committed" ? 4 : phase === "previewed" ? 3 : 2;
  // Once the rows are registered, the lists and figures elsewhere are stale.
  useEffect(() => {
    if (phase === "committed") void invalidateStudents(queryClient);
  }, [phase, queryClient]);

  return (
    <>
      <ImportWizard
        title={t("studentImport.title")}
        sub={t("studentImport.scope", { name: unit.name })}
        steps={[
          t("import.stepTemplate"),
          t("import.stepUpload"),
          t("studentImport.stepCheck"),
          t("studentImport.stepReport"),
          t("import.stepDone"),
        ]}
        current={step}
        error={error ?? reportError}
      >
        {step === 0 ? (
          <ImportTemplateStep
            help={t("studentImport.templateHelp")}
            download={downloadImportTemplate}
            onNext={() => setStarted(true)}
          />
        ) : null}

        {step === 1 ? (
          <ImportUploadStep
            file={file}
            onFile={setFile}
            onChosen={() => setError(null)}
            progress={
              uploading === null
                ? null
                : {
                    percent: Math.round(uploading * 100),
                    label: t("import.uploading", { percent: Math.round(uploading * 100) }),
                  }
            }
            onBack={() => setStarted(false)}
            onCheck={() => void upload()}
          >
            {aboveSchool ? (
              <Flex vertical gap={4} style={{ marginBottom: 16, maxWidth: 480 }}>
                <label htmlFor="import-school">{t("studentImport.school")}</label>
                <UnitPicker
                  id="import-school"
                  kind="school"
                  status="active"
                  valueField="code"
                  value={schoolCode ?? null}
                  initialOptions={
                    unit.kind === "school"
                      ? [{ value: unit.code, label: `${unit.name}（${unit.code}）` }]
                      : []
                  }
                  onChange={(value) => setSchoolCode(typeof value === "string" ? value : undefined)}
                />
                <Typography.Text type="secondary">{t("studentImport.schoolHint")}</Typography.Text>
              </Flex>
            ) : null}
          </ImportUploadStep>
        ) : null}

        {step === 2 ? (
          phase === "failed" || phase === "expired" ? (
            <Result
              status="error"
              title={t(`studentImport.phase.${phase}`)}
              subTitle={report?.error ?? undefined}
              extra={<Button onClick={restart}>{t("import.uploadAgain")}</Button>}
            />
          ) : (
            <JobProgress
              report={report}
              label={phase === "committing" ? t("studentImport.committing") : t("studentImport.checking")}
            />
          )
        ) : null}

        {step === 3 && report ? (
          <ReportView
            report={report}
            committing={committing}
            onCommit={(d) => void commit(d)}
            onRestart={restart}
          />
        ) : null}

        {step === 4 && report ? (
          <ImportDone
            title={t("studentImport.committed", { count: report.created })}
            subTitle={
              report.problemRecords > 0
                ? t("studentImport.problemRecords", { count: report.problemRecords })
                : report.errorRows > 0
                  ? t("studentImport.errorsNotImported", { rows: report.errorRows })
                  : undefined
            }
            viewPath={`/units/${unit.id}/students`}
            viewLabel={t("studentImport.viewList")}
            onAnother={restart}
          />
        ) : null}
      </ImportWizard>
      {step <= 1 ? <RecentImports onOpen={openJob} /> : null}
    </>
  );
}
