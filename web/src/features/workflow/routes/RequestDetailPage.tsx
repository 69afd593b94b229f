/**
 * One request: what it asks, the approval chain with each signed decision and its verification,
 * the remarks, the archive copy once closed, and what the caller may do now (decide, withdraw,
 * resubmit) as the API allows it. When someone else acted first the request is reloaded and
 * the clerk is told so, instead of acting on a stale view.
 */
import { ReloadOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Col, Descriptions, Flex, Result, Row, Skeleton, Typography } from "antd";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { isProblem } from "../../../shared/api/problem";
import { ArchiveDownloadButton, ArchiveVerificationTag } from "../../../shared/archive/ArchiveItems";
import { useArchiveItem } from "../../../shared/archive/archive";
import { formatDateTime } from "../../../shared/format/format";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { PageTitle } from "../../../shared/ui/PageTitle";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import { ResultHeading } from "../../../shared/ui/ResultHeading";
import { VerifiedTag } from "../../../shared/ui/VerifiedTag";
import { invalidateWorkflow, type RequestDetail, useRequest, useVerification } from "../api/workflow";
import { ChainSteps } from "../components/ChainSteps";
import { CommentsThread } from "../components/CommentsThread";
import { DecisionForm } from "../components/DecisionForm";
import { PayloadView } from "../components/PayloadView";
import { RequestStatusTag, useTypeTitle } from "../components/RequestTags";
import { SubmitterActions } from "../components/SubmitterActions";

function ArchiveCard({ itemId }: { itemId: number }) {
  const { t } = useI18n();
  const { data, error } = useArchiveItem(itemId);
  return (
    <Card
      size="small"
      title={t("workflow.archive")}
      style={{ marginBottom: 16 }}
      data-testid="request-archive"
    >
      <ProblemAlert error={error} />
      {data ? (
        <Flex vertical gap={8}>
          <span>{data.title}</span>
          <Typography.Text type="secondary">
            {t("workflow.archivedBy", { unit: data.unit.name, time: formatDateTime(data.createdAt) })}
          </Typography.Text>
          <Flex gap={8} wrap align="center">
            <ArchiveVerificationTag itemId={itemId} />
            <ArchiveDownloadButton item={data} />
          </Flex>
        </Flex>
      ) : (
        <Skeleton active paragraph={{ rows: 1 }} />
      )}
    </Card>
  );
}

function Summary({ request }: { request: RequestDetail }) {
  const { t } = useI18n();
  const typeTitle = useTypeTitle();
  const first = request.submissions[0];
  return (
    <Descriptions
      size="small"
      column={1}
      bordered
      items={[
        { key: "no", label: t("workflow.requestNo"), children: `#${request.id}` },
        { key: "type", label: t("workflow.type"), children: typeTitle(request.type) },
        {
          key: "status",
          label: t("workflow.statusLabel"),
          children: <RequestStatusTag status={request.status} />,
        },
        { key: "subject", label: t("workflow.subjectUnit"), children: request.subjectUnit.name },
        { key: "submitter", label: t("workflow.submitterUnit"), children: request.submitterUnit.name },
        {
          key: "submittedBy",
          label: t("workflow.submittedBy"),
          children: first?.submittedBy?.name ?? t("workflow.unknownUser"),
        },
        {
          key: "submittedAt",
          label: t("workflow.submittedAt"),
          children: formatDateTime(request.submittedAt),
        },
        ...(request.closedAt
          ? [{ key: "closedAt", label: t("workflow.closedAt"), children: formatDateTime(request.closedAt) }]
          : []),
        ...(request.round > 1
          ? [{ key: "round", label: t("workflow.roundColumn"), children: String(request.round) }]
          : []),
      ]}
    />
  );
}

export function RequestDetailPage() {
  const { t } = useI18n();
  const typeTitle = useTypeTitle();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const { requestId } = useParams();
  const id = Number(requestId);
  const valid = Number.isSafeInteger(id) && id > 0;
  const { data: request, error, isPending, refetch, isFetching } = useRequest(valid ? id : 0);
  const hasSignatures = (request?.steps ?? []).some((s) => s.signature !== null);
  const verification = useVerification(valid ? id : 0, hasSignatures);
  const [stale, setStale] = useState<unknown>(null);

  const reload = async () => {
    await invalidateWorkflow(queryClient);
  };
  const onStale = (problem: unknown) => {
    setStale(problem);
    void reload();
  };

  if (!valid || (isProblem(error) && error.status === 404)) {
    return (
      <Result
        status="404"
        title={<ResultHeading text={t("workflow.notFound")}>{t("workflow.notFound")}</ResultHeading>}
        subTitle={isProblem(error) ? error.detail : undefined}
        extra={
          <Link to="/approvals">
            <Button type="primary">{t("workflow.backToInbox")}</Button>
          </Link>
        }
      />
    );
  }
  if (error) return <ProblemAlert error={error} />;
  if (isPending) return <Skeleton active />;

  // Titles name whom a request is about; the heading adds the type unless the title has it already.
  const type = typeTitle(request.type);
  const heading = request.title.startsWith(type)
    ? request.title
    : t("workflow.heading", { type, title: request.title });
  const canDecide = request.allowedActions.some((a) => a === "approve" || a === "reject" || a === "return");
  const payload = request.submissions.find((s) => s.round === request.round)?.payload ?? request.payload;

  return (
    <>
      <PageTitle
        title={heading}
        sub={
          <span>
            #{request.id} · <RequestStatusTag status={request.status} />
          </span>
        }
        extra={
          <>
            <SubmitterActions
              request={request}
              onStale={onStale}
              onDone={() => {
                setStale(null);
                void reload();
              }}
            />
            <Button icon={<ReloadOutlined />} loading={isFetching} onClick={() => void refetch()}>
              {t("workflow.reload")}
            </Button>
          </>
        }
      />
      {stale ? (
        <Alert
          type="warning"
          showIcon
          role="alert"
          closable={{ onClose: () => setStale(null) }}
          title={t("workflow.staleTitle")}
          description={`${isProblem(stale) ? `${stale.detail} ` : ""}${t("workflow.staleReloaded")}`}
          style={{ marginBottom: 16 }}
          data-testid="stale-alert"
        />
      ) : null}
      <Row gutter={16}>
        <Col xs={24} xl={15}>
          <Card size="small" title={t("workflow.payload")} style={{ marginBottom: 16 }}>
            <PayloadView payload={payload} />
          </Card>
          <Card
            size="small"
            title={t("workflow.chain")}
            style={{ marginBottom: 16 }}
            extra={
              verification.data ? (
                <Flex gap={8} align="center">
                  <Typography.Text type="secondary">
                    {t("workflow.signaturesChecked", { count: verification.data.checkedSignatures })}
                  </Typography.Text>
                  <VerifiedTag ok={verification.data.ok} />
                </Flex>
              ) : null
            }
          >
            <ProblemAlert error={verification.error} />
            <ChainSteps
              steps={request.steps}
              round={request.round}
              verification={verification.data}
              verifying={verification.isFetching}
            />
          </Card>
          <Card size="small" title={t("workflow.comments")} style={{ marginBottom: 16 }}>
            <CommentsThread
              requestId={request.id}
              comments={request.comments}
              canComment={request.allowedActions.includes("comment")}
              onAdded={() => void refetch()}
            />
          </Card>
        </Col>
        <Col xs={24} xl={9}>
          {canDecide ? (
            <div style={{ marginBottom: 16 }}>
              <DecisionForm
                requestId={request.id}
                version={request.version}
                allowed={request.allowedActions}
                onStale={onStale}
                onDone={(_, decision) => {
                  setStale(null);
                  message.success(t(`workflow.decided.${decision}`));
                  void reload();
                }}
              />
            </div>
          ) : null}
          <Card size="small" title={t("workflow.summary")} style={{ marginBottom: 16 }}>
            <Summary request={request} />
          </Card>
          {request.archiveItemId ? <ArchiveCard itemId={request.archiveItemId} /> : null}
        </Col>
      </Row>
    </>
  );
}
