/**
 * 年度升级: every student in school below a unit moves up one grade; the final grades graduate
 * when the order says so. The API runs it as a job, one transaction per school; this page polls
 * the job's progress until it ends, shows the counts, and resumes a failed run where it stopped
 * (finished schools are never promoted twice). The job id stays in the address across reloads.
 */
import { PlayCircleOutlined, RedoOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  App,
  Button,
  Card,
  DatePicker,
  Descriptions,
  Flex,
  Form,
  Progress,
  Result,
  Switch,
  Typography,
} from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useEffect, useState } from "react";
import { useSearchParams } from "react-router";
import { useSelectedUnit } from "../../../shared/api/selected-unit";
import { formatCount, formatDateTime, toIsoDate } from "../../../shared/format/format";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { applyProblemToForm, type UnplacedProblem } from "../../../shared/ui/form-errors";
import { PageTitle } from "../../../shared/ui/PageTitle";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import { UnitPicker } from "../../../shared/ui/UnitPicker";
import { isJobRunning, type Job, orderPromotion, resumeJob, useJob } from "../api/jobs";
import { invalidateStudents } from "../api/students";

interface PromotionValues {
  unitId: number;
  graduate: boolean;
  effectiveOn: Dayjs | null;
}

const num = (value: unknown) => (typeof value === "number" ? value : 0);

function JobPanel({ job, onResume, resuming }: { job: Job; onResume: () => void; resuming: boolean }) {
  const { t } = useI18n();
  const running = isJobRunning(job);
  const percent =
    job.progressTotal > 0
      ? Math.round((job.progressDone / job.progressTotal) * 100)
      : job.status === "succeeded"
        ? 100
        : 0;
  return (
    <Card size="small" title={t("promotion.job", { id: job.id })} data-testid="promotion-job">
      <div role="status" aria-live="polite">
        <Progress
          percent={percent}
          status={job.status === "failed" ? "exception" : running ? "active" : "success"}
          // The figure in words even when done or failed, where antd would show only an icon.
          format={(value) => `${value ?? 0}%`}
          data-testid="promotion-progress"
        />
        <Typography.Text type="secondary">
          {t(`promotion.status.${running ? "running" : job.status === "failed" ? "failed" : "succeeded"}`)}
          {job.progressTotal > 0
            ? ` · ${t("promotion.schoolsDone", { done: formatCount(job.progressDone), total: formatCount(job.progressTotal) })}`
            : ""}
        </Typography.Text>
      </div>
      {job.status === "succeeded" && job.result ? (
        <Result
          status="success"
          title={t("promotion.done")}
          subTitle={formatDateTime(job.finishedAt)}
          extra={
            <Descriptions
              bordered
              size="small"
              column={3}
              data-testid="promotion-result"
              items={[
                {
                  key: "schools",
                  label: t("promotion.schools"),
                  children: formatCount(num(job.result.schools)),
                },
                {
                  key: "promoted",
                  label: t("promotion.promoted"),
                  children: formatCount(num(job.result.promoted)),
                },
                {
                  key: "graduated",
                  label: t("promotion.graduated"),
                  children: formatCount(num(job.result.graduated)),
                },
              ]}
            />
          }
        />
      ) : null}
      {job.status === "failed" ? (
        <Alert
          type="error"
          showIcon
          role="alert"
          style={{ marginTop: 16 }}
          title={t("promotion.failed")}
          description={job.error ?? undefined}
          action={
            <Button icon={<RedoOutlined />} loading={resuming} onClick={onResume}>
              {t("promotion.resume")}
            </Button>
          }
        />
      ) : null}
    </Card>
  );
}

export function PromotionPage() {
  const { t } = useI18n();
  const { modal, message } = App.useApp();
  const queryClient = useQueryClient();
  const { unit } = useSelectedUnit();
  const [params, setParams] = useSearchParams();
  const jobParam = Number(params.get("job"));
  const jobId = Number.isSafeInteger(jobParam) && jobParam > 0 ? jobParam : null;
  const { data: job, error: jobError, refetch } = useJob(jobId);
  const [form] = Form.useForm<PromotionValues>();
  const [problem, setProblem] = useState<UnplacedProblem | null>(null);
  const [unitName, setUnitName] = useState(unit.name);
  const [resuming, setResuming] = useState(false);

  // When a run ends, every list and figure of students is out of date.
  const finished = job?.status === "succeeded";
  useEffect(() => {
    if (finished) void invalidateStudents(queryClient);
  }, [finished, queryClient]);

  const order = (values: PromotionValues) => {
    const effectiveOn = toIsoDate(values.effectiveOn);
    modal.confirm({
      title: t("promotion.confirmTitle"),
      content: (
        <Flex vertical gap={4}>
          <span>{t("promotion.confirmUnit", { name: unitName })}</span>
          <span>{values.graduate ? t("promotion.confirmGraduate") : t("promotion.confirmNoGraduate")}</span>
          <span>{t("promotion.confirmDate", { date: effectiveOn ?? "" })}</span>
          <Typography.Text type="warning">{t("promotion.confirmWarning")}</Typography.Text>
        </Flex>
      ),
      okText: t("promotion.start"),
      cancelText: t("common.cancel"),
      onOk: async () => {
        setProblem(null);
        try {
          const { jobId: id } = await orderPromotion({
            unitId: values.unitId,
            graduate: values.graduate,
            ...(effectiveOn ? { effectiveOn } : {}),
          });
          setParams({ job: String(id) });
        } catch (error) {
          setProblem(applyProblemToForm(form, error, ["unitId", "graduate", "effectiveOn"]));
        }
      },
    });
  };

  const resume = async () => {
    if (!jobId) return;
    setResuming(true);
    try {
      await resumeJob(jobId);
      await refetch();
    } catch (error) {
      message.error(error instanceof Error ? error.message : String(error));
    } finally {
      setResuming(false);
    }
  };

  return (
    <>
      <PageTitle title={t("promotion.title")} sub={t("promotion.sub")} />
      <Card style={{ marginBottom: 16 }}>
        <Typography.Paragraph type="secondary">{t("promotion.help")}</Typography.Paragraph>
        <ProblemAlert problem={problem} />
        <Form<PromotionValues>
          form={form}
          name="promotion"
          layout="vertical"
          style={{ maxWidth: 560 }}
          initialValues={{ unitId: unit.id, graduate: true, effectiveOn: dayjs() }}
          onFinish={order}
        >
          <Form.Item
            name="unitId"
            label={t("promotion.unit")}
            extra={t("promotion.unitHint")}
            rules={[{ required: true, message: t("form.required") }]}
          >
            <UnitPicker
              initialOptions={[{ value: unit.id, label: `${unit.name}（${unit.code}）` }]}
              onChange={(_, picked) => {
                if (picked) setUnitName(picked.name);
              }}
            />
          </Form.Item>
          <Form.Item
            name="graduate"
            label={t("promotion.graduate")}
            valuePropName="checked"
            extra={t("promotion.graduateHint")}
          >
            <Switch checkedChildren={t("common.yes")} unCheckedChildren={t("common.no")} />
          </Form.Item>
          <Form.Item
            name="effectiveOn"
            label={t("promotion.effectiveOn")}
            rules={[{ required: true, message: t("form.required") }]}
          >
            <DatePicker format="YYYY-MM-DD" style={{ width: "100%" }} />
          </Form.Item>
          <Button
            type="primary"
            htmlType="submit"
            icon={<PlayCircleOutlined />}
            disabled={job !== undefined && isJobRunning(job)}
          >
            {t("promotion.start")}
          </Button>
        </Form>
      </Card>
      <ProblemAlert error={jobError} />
      {job ? <JobPanel job={job} onResume={() => void resume()} resuming={resuming} /> : null}
    </>
  );
}
