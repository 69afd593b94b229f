/**
 * Who did what, when, in the selected unit's subtree (or the whole scope). The list is read
 * newest first in slices of 50 ("load more"): the trail is append-only and huge, so it has no
 * page numbers. Auditors with audit:administer can recompute the hash chain.
 */
import { SafetyCertificateOutlined, SearchOutlined } from "@ant-design/icons";
import { Alert, Button, Checkbox, DatePicker, Flex, Input, InputNumber, Select, Tag, Typography } from "antd";
import type { Dayjs } from "dayjs";
import { useState } from "react";
import { useSelectedUnit } from "../../../shared/api/selected-unit";
import { formatDateTime } from "../../../shared/format/format";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { useCan } from "../../../shared/session/session";
import { type DataColumn, DataTable } from "../../../shared/ui/DataTable";
import { PageTitle } from "../../../shared/ui/PageTitle";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import { type AuditEntry, type AuditFilter, useAuditLog, type VerifyResult, verifyChain } from "../api/audit";

const MODULES = [
  "access",
  "orgs",
  "codes",
  "audit",
  "responsible",
  "workflow",
  "students",
  "teachers",
  "aid",
];
const OUTCOMES = ["success", "failure", "denied"] as const;
const OUTCOME_COLOUR: Record<string, string> = { success: "green", failure: "orange", denied: "red" };

function VerifyButton() {
  const { t } = useI18n();
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<VerifyResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const run = async () => {
    setRunning(true);
    setError(null);
    try {
      setResult(await verifyChain());
    } catch (failure) {
      setError(failure);
    } finally {
      setRunning(false);
    }
  };
  return (
    <>
      <Button icon={<SafetyCertificateOutlined />} loading={running} onClick={() => void run()}>
        {t("audit.verify")}
      </Button>
      <div style={{ flexBasis: "100%" }} role="status" aria-live="polite">
        <ProblemAlert error={error} />
        {result ? (
          <Alert
            type={result.ok ? "success" : "error"}
            showIcon
            closable={{ onClose: () => setResult(null) }}
            title={
              result.ok
                ? t("audit.verifyOk", { checked: result.checked })
                : t("audit.verifyBroken", {
                    id: result.firstBroken?.id ?? "?",
                    reason: result.firstBroken?.reason ?? "",
                  })
            }
          />
        ) : null}
      </div>
    </>
  );
}

export function AuditPage() {
  const { t, tx } = useI18n();
  const can = useCan();
  const { unit } = useSelectedUnit();
  const [action, setAction] = useState("");
  const [module, setModule] = useState<string>();
  const [outcome, setOutcome] = useState<(typeof OUTCOMES)[number]>();
  const [userId, setUserId] = useState<number | null>(null);
  const [range, setRange] = useState<[Dayjs | null, Dayjs | null] | null>(null);
  const [withinUnit, setWithinUnit] = useState(true);
  const [filter, setFilter] = useState<AuditFilter>({ withinUnitId: unit.id });
  const { data, error, isFetching, hasNextPage, fetchNextPage, isFetchingNextPage } = useAuditLog({
    ...filter,
    withinUnitId: filter.withinUnitId === undefined ? undefined : unit.id,
  });
  const rows = data?.pages.flatMap((p) => p.items);

  const search = () =>
    setFilter({
      action: action.trim() || undefined,
      module,
      outcome,
      userId: userId ?? undefined,
      // Whole days in local time: from the start of the first to the end of the last.
      from: range?.[0]?.startOf("day").toISOString(),
      to: range?.[1]?.endOf("day").toISOString(),
      withinUnitId: withinUnit ? unit.id : undefined,
    });

  const columns: DataColumn<AuditEntry>[] = [
    {
      key: "occurredAt",
      title: t("audit.time"),
      render: (_, e) => formatDateTime(e.occurredAt),
      fixedVisible: true,
    },
    { key: "actor", title: t("audit.actor"), dataIndex: "actorUsername" },
    {
      key: "action",
      title: t("audit.action"),
      render: (_, e) => (
        <span>
          <Typography.Text code>{e.action}</Typography.Text> {tx(`auditAction.${e.action}`, "")}
        </span>
      ),
      fixedVisible: true,
    },
    { key: "module", title: t("audit.module"), render: (_, e) => tx(`module.${e.module}`, e.module) },
    {
      key: "subject",
      title: t("audit.subject"),
      render: (_, e) => (e.subjectType ? `${e.subjectType} #${e.subjectId ?? ""}` : ""),
    },
    {
      key: "outcome",
      title: t("audit.outcome"),
      render: (_, e) => (
        <Tag color={OUTCOME_COLOUR[e.outcome]}>{tx(`audit.outcome.${e.outcome}`, e.outcome)}</Tag>
      ),
    },
    { key: "ip", title: t("audit.ip"), dataIndex: "ip", defaultHidden: true },
    {
      key: "hash",
      title: t("audit.hash"),
      render: (_, e) => <Typography.Text code>{e.hash.slice(0, 12)}</Typography.Text>,
      defaultHidden: true,
    },
  ];

  return (
    <>
      <PageTitle
        title={t("audit.title")}
        sub={withinUnit ? t("audit.scopeUnit", { name: unit.name }) : t("audit.scopeAll")}
      />
      <ProblemAlert error={error} />
      <DataTable<AuditEntry>
        tableId="audit"
        columns={columns}
        rows={rows}
        rowKey="id"
        loading={isFetching && !isFetchingNextPage}
        expandable={{
          expandedRowRender: (e) => (
            <pre style={{ margin: 0, whiteSpace: "pre-wrap", fontSize: 12 }}>
              {JSON.stringify(e.detail, null, 2)}
            </pre>
          ),
          rowExpandable: (e) => Object.keys(e.detail).length > 0,
        }}
        toolbar={
          <>
            <Input
              allowClear
              style={{ width: 180 }}
              aria-label={t("audit.action")}
              placeholder={t("audit.actionPlaceholder")}
              value={action}
              onChange={(event) => setAction(event.target.value)}
              onPressEnter={search}
            />
            <Select
              allowClear
              style={{ width: 140 }}
              aria-label={t("audit.module")}
              placeholder={t("audit.module")}
              value={module}
              onChange={setModule}
              options={MODULES.map((m) => ({ value: m, label: tx(`module.${m}`, m) }))}
            />
            <Select
              allowClear
              style={{ width: 120 }}
              aria-label={t("audit.outcome")}
              placeholder={t("audit.outcome")}
              value={outcome}
              onChange={setOutcome}
              options={OUTCOMES.map((o) => ({ value: o, label: t(`audit.outcome.${o}`) }))}
            />
            <InputNumber<number>
              style={{ width: 130 }}
              min={1}
              precision={0}
              aria-label={t("audit.userId")}
              placeholder={t("audit.userId")}
              value={userId}
              onChange={setUserId}
            />
            <DatePicker.RangePicker
              format="YYYY-MM-DD"
              value={range}
              onChange={(value) => setRange(value)}
              aria-label={t("audit.period")}
              placeholder={[t("audit.from"), t("audit.to")]}
            />
            <Checkbox checked={withinUnit} onChange={(event) => setWithinUnit(event.target.checked)}>
              {t("audit.withinUnit")}
            </Checkbox>
            <Button type="primary" icon={<SearchOutlined />} onClick={search}>
              {t("common.search")}
            </Button>
            {can("audit:administer") ? <VerifyButton /> : null}
          </>
        }
        footer={
          <Flex justify="center" align="center" gap={12}>
            <Typography.Text type="secondary">
              {t("audit.shown", { count: rows?.length ?? 0 })}
            </Typography.Text>
            {hasNextPage ? (
              <Button loading={isFetchingNextPage} onClick={() => void fetchNextPage()}>
                {t("audit.loadMore")}
              </Button>
            ) : rows && rows.length > 0 ? (
              <Typography.Text type="secondary">{t("audit.end")}</Typography.Text>
            ) : null}
          </Flex>
        }
      />
    </>
  );
}
