/**
 * The school import wizard: template → upload → the API checks every row (nothing written)
 * → the clerk reads the report → commit writes all rows or none → result. A second upload of
 * the same file creates nothing twice: registered codes are reported as existing.
 */
import { useQueryClient } from "@tanstack/react-query";
import { Alert } from "antd";
import { useState } from "react";
import { useSelectedUnit } from "../../../shared/api/selected-unit";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import {
  ImportDone,
  ImportFigures,
  ImportIssueTable,
  ImportProgress,
  type ImportProgressState,
  ImportReportActions,
  ImportTemplateStep,
  ImportUploadStep,
  ImportWizard,
} from "../../../shared/ui/ImportWizard";
import { downloadTemplate, type ImportReport, uploadSchools } from "../api/imports";
import { invalidateOrgs } from "../api/orgs";

type Phase = { kind: "idle" } | { kind: "uploading"; fraction: number } | { kind: "processing" };

export function ImportPage() {
  const { t } = useI18n();
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

  const restart = () => {
    setFile(null);
    setReport(null);
    setError(null);
    setStep(1);
  };

  const busy = phase.kind !== "idle";
  const percent = phase.kind === "uploading" ? Math.round(phase.fraction * 100) : 100;
  const progress: ImportProgressState | null =
    phase.kind === "idle"
      ? null
      : {
          percent,
          label: phase.kind === "uploading" ? t("import.uploading", { percent }) : t("import.processing"),
        };

  return (
    <ImportWizard
      title={t("import.title")}
      sub={t("import.scope", { name: unit.name })}
      steps={[t("import.stepTemplate"), t("import.stepUpload"), t("import.stepCheck"), t("import.stepDone")]}
      current={step}
      error={error}
    >
      {step === 0 ? (
        <ImportTemplateStep
          help={t("import.templateHelp")}
          download={downloadTemplate}
          onNext={() => setStep(1)}
        />
      ) : null}

      {step === 1 ? (
        <ImportUploadStep
          file={file}
          onFile={setFile}
          onChosen={() => setError(null)}
          progress={progress}
          onBack={() => setStep(0)}
          onCheck={() => void send(false)}
        />
      ) : null}

      {step === 2 && report ? (
        <>
          <ImportFigures
            col={{ span: 6 }}
            figures={[
              { key: "totalRows", title: t("import.totalRows"), value: report.totalRows },
              { key: "readyRows", title: t("import.readyRows"), value: report.readyRows },
              { key: "existingRows", title: t("import.existingRows"), value: report.existingRows },
              { key: "errors", title: t("import.errorCount"), value: report.errors.length, alert: true },
            ]}
          />
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
            <ImportIssueTable
              testId="import-errors"
              issues={report.errors}
              columnWidth={180}
              extraColumns={[{ key: "code", title: t("import.code"), dataIndex: "code", width: 200 }]}
              title={t("import.errorTable")}
            />
          ) : null}
          <ImportProgress progress={progress} />
          <ImportReportActions
            busy={busy}
            commitLabel={t("import.commit", { count: report.readyRows })}
            commitDisabled={report.errors.length > 0 || report.readyRows === 0}
            onCommit={() => void send(true)}
            onRestart={restart}
          />
        </>
      ) : null}

      {step === 3 && report ? (
        <ImportDone
          title={t("import.committed", { count: report.created })}
          subTitle={
            report.existingRows > 0 ? t("import.existingKept", { count: report.existingRows }) : undefined
          }
          viewPath={`/units/${unit.id}/org`}
          viewLabel={t("import.viewTree")}
          onAnother={restart}
        />
      ) : null}
    </ImportWizard>
  );
}
