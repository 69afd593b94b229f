/**
 * The parts every spreadsheet import wizard shares: template → upload → the API checks each row
 * → the clerk reads the report (errors by row and column) → commit → result. A page composes
 * them and keeps its own state, API calls and wording of the report; these know no module.
 */
import { CheckCircleOutlined, DownloadOutlined, InboxOutlined } from "@ant-design/icons";
import {
  App,
  Button,
  Card,
  Col,
  type ColProps,
  Flex,
  Progress,
  Result,
  Row,
  Statistic,
  Steps,
  Table,
  type TableColumnsType,
  Typography,
  Upload,
} from "antd";
import type { ReactNode } from "react";
import { Link } from "react-router";
import { useI18n } from "../i18n/I18nProvider";
import { PageTitle } from "./PageTitle";
import { ProblemAlert } from "./ProblemAlert";

/** A problem the API found in one cell (or row) of the uploaded file. */
export interface ImportRowIssue {
  row: number;
  column: string;
  code: string;
  message: string;
}

/** The page heading, the wizard's steps and an API failure above the current step's content. */
export function ImportWizard({
  title,
  sub,
  steps,
  current,
  error,
  children,
}: {
  title: string;
  sub: ReactNode;
  steps: readonly string[];
  current: number;
  error: unknown;
  children: ReactNode;
}) {
  return (
    <>
      <PageTitle title={title} sub={sub} />
      <Card>
        <Steps
          current={current}
          style={{ marginBottom: 24 }}
          items={steps.map((step) => ({ title: step }))}
        />
        <ProblemAlert error={error} />
        {children}
      </Card>
    </>
  );
}

/** The first step: what the template is, its download, and on to the upload. */
export function ImportTemplateStep({
  help,
  download,
  onNext,
}: {
  help: ReactNode;
  download: () => Promise<unknown>;
  onNext: () => void;
}) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const template = async () => {
    try {
      await download();
    } catch (failure) {
      message.error(failure instanceof Error ? failure.message : String(failure));
    }
  };
  return (
    <Flex vertical gap={16} align="flex-start">
      <Typography.Paragraph style={{ marginBottom: 0 }}>{help}</Typography.Paragraph>
      <Flex gap={8}>
        <Button icon={<DownloadOutlined />} onClick={() => void template()}>
          {t("import.downloadTemplate")}
        </Button>
        <Button type="primary" onClick={onNext}>
          {t("import.haveFile")}
        </Button>
      </Flex>
    </Flex>
  );
}

/** Where a transfer to the API stands: a bar and what is happening. */
export interface ImportProgressState {
  percent: number;
  label: string;
}

export function ImportProgress({ progress }: { progress: ImportProgressState | null }) {
  if (!progress) return null;
  return (
    <div role="status" aria-live="polite" style={{ marginTop: 16 }} data-testid="import-progress">
      <Progress percent={progress.percent} status="active" />
      <Typography.Text type="secondary">{progress.label}</Typography.Text>
    </div>
  );
}

/**
 * The upload step: one .xlsx or .csv file held in the page (not sent on choosing) until the
 * clerk asks for the check; `children` stand above the drop zone (e.g. a choice of school).
 * While `progress` is set the step is busy.
 */
export function ImportUploadStep({
  file,
  onFile,
  onChosen,
  progress,
  onBack,
  onCheck,
  children,
}: {
  file: File | null;
  onFile: (file: File | null) => void;
  /** Called when a file is chosen (not when it is removed), e.g. to clear an earlier failure. */
  onChosen?: () => void;
  progress: ImportProgressState | null;
  onBack: () => void;
  onCheck: () => void;
  children?: ReactNode;
}) {
  const { t } = useI18n();
  const busy = progress !== null;
  return (
    <>
      {children}
      <Upload.Dragger
        accept=".csv,.xlsx"
        maxCount={1}
        disabled={busy}
        beforeUpload={(chosen) => {
          onFile(chosen);
          onChosen?.();
          return false; // held here; the wizard sends it when the clerk asks for the check
        }}
        onRemove={() => onFile(null)}
        fileList={file ? [{ uid: "chosen", name: file.name, status: "done" }] : []}
      >
        <p className="ant-upload-drag-icon">
          <InboxOutlined />
        </p>
        <p className="ant-upload-text">{t("import.drop")}</p>
        <p className="ant-upload-hint">{t("import.dropHint")}</p>
      </Upload.Dragger>
      <ImportProgress progress={progress} />
      <Flex gap={8} style={{ marginTop: 16 }}>
        <Button onClick={onBack} disabled={busy}>
          {t("common.back")}
        </Button>
        <Button type="primary" disabled={!file} loading={busy} onClick={onCheck}>
          {t("import.check")}
        </Button>
      </Flex>
    </>
  );
}

/** One count of the report; `alert` shows it in red when it is above zero. */
export interface ImportFigure {
  key: string;
  title: string;
  value: number;
  alert?: boolean;
}

/** The report's counts in a row. */
export function ImportFigures({
  figures,
  col = { flex: "1 1 120px" },
}: {
  figures: readonly ImportFigure[];
  col?: ColProps;
}) {
  return (
    <Row gutter={16} style={{ marginBottom: 16 }}>
      {figures.map((figure) => (
        <Col key={figure.key} {...col}>
          <Statistic
            title={figure.title}
            value={figure.value}
            styles={{ content: { color: figure.alert && figure.value > 0 ? "#cf1322" : undefined } }}
          />
        </Col>
      ))}
    </Row>
  );
}

/**
 * The report's problems by row, column and message (then `extraColumns`), 20 to a page. With a
 * `testId` the table is wrapped in an element carrying it.
 */
export function ImportIssueTable<T extends ImportRowIssue>({
  issues,
  testId,
  title,
  columnWidth = 160,
  extraColumns = [],
  rowKey = (issue) => `${issue.row}-${issue.column}-${issue.code}`,
}: {
  issues: T[];
  testId?: string;
  title?: string;
  columnWidth?: number;
  extraColumns?: TableColumnsType<T>;
  rowKey?: (issue: T) => string;
}) {
  const { t } = useI18n();
  const table = (
    <Table<T>
      size="small"
      rowKey={rowKey}
      columns={[
        { key: "row", title: t("import.row"), dataIndex: "row", width: 80 },
        { key: "column", title: t("import.column"), dataIndex: "column", width: columnWidth },
        { key: "message", title: t("import.message"), dataIndex: "message" },
        ...extraColumns,
      ]}
      dataSource={issues}
      pagination={{ pageSize: 20, hideOnSinglePage: true }}
      title={title === undefined ? undefined : () => title}
    />
  );
  return testId ? <div data-testid={testId}>{table}</div> : table;
}

/** Under the report: upload another file, or commit the rows (a disabled commit says why not). */
export function ImportReportActions({
  busy,
  commitLabel,
  commitDisabled,
  onCommit,
  onRestart,
}: {
  busy: boolean;
  commitLabel: string;
  commitDisabled: boolean;
  onCommit: () => void;
  onRestart: () => void;
}) {
  const { t } = useI18n();
  return (
    <Flex gap={8} style={{ marginTop: 16 }}>
      <Button onClick={onRestart} disabled={busy}>
        {t("import.uploadAgain")}
      </Button>
      <Button type="primary" disabled={commitDisabled} loading={busy} onClick={onCommit}>
        {commitLabel}
      </Button>
    </Flex>
  );
}

/** The last step: what was written, a link to see it, and another import. */
export function ImportDone({
  title,
  subTitle,
  viewPath,
  viewLabel,
  onAnother,
}: {
  title: string;
  subTitle: string | undefined;
  viewPath: string;
  viewLabel: string;
  onAnother: () => void;
}) {
  const { t } = useI18n();
  return (
    <Result
      status="success"
      icon={<CheckCircleOutlined />}
      title={title}
      subTitle={subTitle}
      extra={[
        <Link key="view" to={viewPath}>
          <Button type="primary">{viewLabel}</Button>
        </Link>,
        <Button key="again" onClick={onAnother}>
          {t("import.another")}
        </Button>,
      ]}
    />
  );
}
