/**
 * The school import wizard: template → upload → the API checks every row (nothing written)
 * → the clerk reads the report → commit writes all rows or none → result. A second upload of
 * the same file creates nothing twice: registered codes are reported as existing.
 */
import { CheckCircleOutlined, DownloadOutlined, InboxOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Flex,
  Progress,
  Result,
  Row,
  Statistic,
  Steps,
  Table,
  Typography,
  Upload,
} from "antd";
import { useState } from "react";
import { Link } from "react-router";
import { useSelectedUnit } from "../../../shared/api/selected-unit";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { PageTitle } from "../../../shared/ui/PageTitle";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import { downloadTemplate, type ImportReport, type ImportRowError, uploadSchools } from "../api/imports";
import { invalidateOrgs } from "../api/orgs";

type Phase = { kind: "idle" } | { kind: "uploading"; fraction: number } | { kind: "processing" };

function ProgressNote({ phase }: { phase: Phase }) {
  const { t } = useI18n();
  if (phase.kind === "idle") return null;
  const percent = phase.kind === "uploading" ? Math.round(phase.fraction * 100) : 100;
  return (
    <div role="status" aria-live="polite" style={{ marginTop: 16 }} data-testid="import-progress">
      <Progress percent={percent} status="active" />
      <Typography.Text type="secondary">
        {phase.kind === "uploading" ? t("import.uploading", { percent }) : t("import.processing")}
      </Typography.Text>
    </div>
  );
}

function Summary({ report }: { report: ImportReport }) {
  const { t } = useI18n();
  return (
    <Row gutter={16} style={{ marginBottom: 16 }}>
      <Col span={6}>
        <Statistic title={t("import.totalRows")} value={report.totalRows} />
      </Col>
      <Col span={6}>
        <Statistic title={t("import.readyRows")} value={report.readyRows} />
      </Col>
      <Col span={6}>
        <Statistic title={t("import.existingRows")} value={report.existingRows} />
      </Col>
      <Col span={6}>
        <Statistic
          title={t("import.errorCount")}
          value={report.errors.length}
          styles={{ content: { color: report.errors.length > 0 ? "#cf1322" : undefined } }}
        />
      </Col>
    </Row>
  );
}

export function ImportPage() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const { unit } = useSelectedUnit();
  const [step, setStep] = useState(0);
  const [file, setFile] = useState<File | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: "idle" });
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<unknown>(null);

  const send = async (commit: boolean) => {
    if (!file) return;
    setError(null);
    setPhase({ kind: "uploading", fraction: 0 });
    try {
      const result = await uploadSchools(file, commit, (fraction) =>
        setPhase(fraction >= 1 ? { kind: "processing" } : { kind: "uploading", fraction }),
      );
      setReport(result);
      if (commit && result.committed) {
        await invalidateOrgs(queryClient);
        setStep(3);
      } else {
        setStep(2);
      }
    } catch (failure) {
      setError(failure);
    } finally {
      setPhase({ kind: "idle" });
    }
  };

  const template = async () => {
    try {
      await downloadTemplate();
    } catch (failure) {
      message.error(failure instanceof Error ? failure.message : String(failure));
    }
  };

  const restart = () => {
    setFile(null);
    setReport(null);
    setError(null);
    setStep(1);
  };

  const busy = phase.kind !== "idle";
  const errorColumns = [
    { key: "row", title: t("import.row"), dataIndex: "row", width: 80 },
    { key: "column", title: t("import.column"), dataIndex: "column", width: 180 },
    { key: "message", title: t("import.message"), dataIndex: "message" },
    { key: "code", title: t("import.code"), dataIndex: "code", width: 200 },
  ];

  return (
    <>
      <PageTitle title={t("import.title")} sub={t("import.scope", { name: unit.name })} />
      <Card>
        <Steps
          current={step}
          style={{ marginBottom: 24 }}
          items={[
            { title: t("import.stepTemplate") },
            { title: t("import.stepUpload") },
            { title: t("import.stepCheck") },
            { title: t("import.stepDone") },
          ]}
        />
        <ProblemAlert error={error} />

        {step === 0 ? (
          <Flex vertical gap={16} align="flex-start">
            <Typography.Paragraph style={{ marginBottom: 0 }}>
              {t("import.templateHelp")}
            </Typography.Paragraph>
            <Flex gap={8}>
              <Button icon={<DownloadOutlined />} onClick={() => void template()}>
                {t("import.downloadTemplate")}
              </Button>
              <Button type="primary" onClick={() => setStep(1)}>
                {t("import.haveFile")}
              </Button>
            </Flex>
          </Flex>
        ) : null}

        {step === 1 ? (
          <>
            <Upload.Dragger
              accept=".csv,.xlsx"
              maxCount={1}
              disabled={busy}
              beforeUpload={(chosen) => {
                setFile(chosen);
                setError(null);
                return false; // held here; the wizard sends it when the clerk asks for the check
              }}
              onRemove={() => setFile(null)}
              fileList={file ? [{ uid: "chosen", name: file.name, status: "done" }] : []}
            >
              <p className="ant-upload-drag-icon">
                <InboxOutlined />
              </p>
              <p className="ant-upload-text">{t("import.drop")}</p>
              <p className="ant-upload-hint">{t("import.dropHint")}</p>
            </Upload.Dragger>
            <ProgressNote phase={phase} />
            <Flex gap={8} style={{ marginTop: 16 }}>
              <Button onClick={() => setStep(0)} disabled={busy}>
                {t("common.back")}
              </Button>
              <Button type="primary" disabled={!file} loading={busy} onClick={() => void send(false)}>
                {t("import.check")}
              </Button>
            </Flex>
          </>
        ) : null}

        {step === 2 && report ? (
          <>
            <Summary report={report} />
            {report.errors.length > 0 ? (
              <Alert
                type="error"
                showIcon
                role="alert"
                title={t("import.hasErrors", { count: report.errors.length })}
                description={t("import.nothingWritten")}
                style={{ marginBottom: 16 }}
              />
            ) : report.readyRows === 0 ? (
              <Alert type="info" showIcon title={t("import.nothingToDo")} style={{ marginBottom: 16 }} />
            ) : (
              <Alert
                type="success"
                showIcon
                title={t("import.ready", { count: report.readyRows })}
                style={{ marginBottom: 16 }}
              />
            )}
            {report.errors.length > 0 ? (
              <div data-testid="import-errors">
                <Table<ImportRowError>
                  size="small"
                  rowKey={(e) => `${e.row}-${e.column}-${e.code}`}
                  columns={errorColumns}
                  dataSource={report.errors}
                  pagination={{ pageSize: 20, hideOnSinglePage: true }}
                  title={() => t("import.errorTable")}
                />
              </div>
            ) : null}
            <ProgressNote phase={phase} />
            <Flex gap={8} style={{ marginTop: 16 }}>
              <Button onClick={restart} disabled={busy}>
                {t("import.uploadAgain")}
              </Button>
              <Button
                type="primary"
                disabled={report.errors.length > 0 || report.readyRows === 0}
                loading={busy}
                onClick={() => void send(true)}
              >
                {t("import.commit", { count: report.readyRows })}
              </Button>
            </Flex>
          </>
        ) : null}

        {step === 3 && report ? (
          <Result
            status="success"
            icon={<CheckCircleOutlined />}
            title={t("import.committed", { count: report.created })}
            subTitle={
              report.existingRows > 0 ? t("import.existingKept", { count: report.existingRows }) : undefined
            }
            extra={[
              <Link key="tree" to={`/units/${unit.id}/org`}>
                <Button type="primary">{t("import.viewTree")}</Button>
              </Link>,
              <Button key="again" onClick={restart}>
                {t("import.another")}
              </Button>,
            ]}
          />
        ) : null}
      </Card>
    </>
  );
}
