/** Lists of units: the direct children of a unit, and a school search over its whole subtree. */
import { Button, Input, Select, Space } from "antd";
import { useState } from "react";
import { Link } from "react-router";
import type { Unit, UnitKind, UnitStatus } from "../../../shared/api/types";
import { useChildren, useUnitSearch } from "../../../shared/api/units";
import { useCodeLabel } from "../../../shared/code-sets/code-sets";
import { formatDate } from "../../../shared/format/format";
import { useDebouncedValue } from "../../../shared/hooks/useDebouncedValue";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { type DataColumn, DataTable } from "../../../shared/ui/DataTable";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import { UnitKindTag, UnitStatusTag } from "../../../shared/ui/UnitTags";
import { SchoolTypeSelect } from "./SchoolFields";

const KINDS: UnitKind[] = ["province", "prefecture", "county", "department", "school"];
const STATUSES: UnitStatus[] = ["active", "closed", "merged"];

function useUnitColumns(): DataColumn<Unit>[] {
  const { t } = useI18n();
  const schoolType = useCodeLabel("school_type");
  const runningType = useCodeLabel("school_running_type");
  const ownership = useCodeLabel("ownership");
  return [
    {
      key: "name",
      title: t("unit.name"),
      fixedVisible: true,
      render: (_, unit) => <Link to={`/units/${unit.id}/detail`}>{unit.name}</Link>,
    },
    { key: "code", title: t("unit.code"), dataIndex: "code" },
    { key: "kind", title: t("unit.kind"), render: (_, unit) => <UnitKindTag kind={unit.kind} /> },
    { key: "status", title: t("unit.status"), render: (_, unit) => <UnitStatusTag status={unit.status} /> },
    {
      key: "schoolType",
      title: t("school.schoolType"),
      render: (_, unit) => schoolType(unit.school?.schoolType),
    },
    {
      key: "runningType",
      title: t("school.runningType"),
      render: (_, unit) => runningType(unit.school?.runningType),
      defaultHidden: true,
    },
    {
      key: "ownership",
      title: t("school.ownership"),
      render: (_, unit) => ownership(unit.school?.ownership),
      defaultHidden: true,
    },
    {
      key: "address",
      title: t("school.address"),
      render: (_, unit) => unit.school?.address,
      defaultHidden: true,
    },
    {
      key: "openedOn",
      title: t("school.openedOn"),
      render: (_, unit) => formatDate(unit.school?.openedOn),
      defaultHidden: true,
    },
    { key: "childCount", title: t("unit.childCount"), dataIndex: "childCount", align: "right" },
    {
      key: "actions",
      title: t("common.actions"),
      fixedVisible: true,
      render: (_, unit) => (
        <Space size={4}>
          <Link to={`/units/${unit.id}/detail`}>{t("common.detail")}</Link>
          {(unit.childCount ?? 0) > 0 ? <Link to={`/units/${unit.id}/org`}>{t("org.enter")}</Link> : null}
        </Space>
      ),
    },
  ];
}

function KindSelect({ value, onChange }: { value?: UnitKind; onChange: (v: UnitKind | undefined) => void }) {
  const { t } = useI18n();
  return (
    <Select<UnitKind>
      allowClear
      style={{ width: 140 }}
      aria-label={t("unit.kind")}
      placeholder={t("unit.kind")}
      value={value}
      onChange={onChange}
      options={KINDS.map((k) => ({ value: k, label: t(`unit.kind.${k}`) }))}
    />
  );
}

function StatusSelect({
  value,
  onChange,
}: {
  value?: UnitStatus;
  onChange: (v: UnitStatus | undefined) => void;
}) {
  const { t } = useI18n();
  return (
    <Select<UnitStatus>
      allowClear
      style={{ width: 120 }}
      aria-label={t("unit.status")}
      placeholder={t("unit.status")}
      value={value}
      onChange={onChange}
      options={STATUSES.map((s) => ({ value: s, label: t(`unit.status.${s}`) }))}
    />
  );
}

export function ChildrenTable({ unitId }: { unitId: number }) {
  const { t } = useI18n();
  const columns = useUnitColumns();
  const [text, setText] = useState("");
  const q = useDebouncedValue(text.trim(), 300);
  const [kind, setKind] = useState<UnitKind>();
  const [status, setStatus] = useState<UnitStatus>();
  const [paging, setPaging] = useState({ page: 1, pageSize: 20 });
  const filter = { q: q || undefined, kind, status, ...paging };
  const { data, isFetching, error } = useChildren(unitId, filter);
  const reset = () => setPaging((p) => ({ ...p, page: 1 }));
  return (
    <>
      <ProblemAlert error={error} />
      <DataTable<Unit>
        tableId="children"
        columns={columns}
        rows={data?.items}
        rowKey="id"
        loading={isFetching}
        pageState={data}
        onPageChange={(page, pageSize) => setPaging({ page, pageSize })}
        toolbar={
          <>
            <Input.Search
              allowClear
              style={{ width: 240 }}
              aria-label={t("org.searchChildren")}
              placeholder={t("org.searchChildren")}
              value={text}
              onChange={(event) => {
                setText(event.target.value);
                reset();
              }}
            />
            <KindSelect
              value={kind}
              onChange={(value) => {
                setKind(value);
                reset();
              }}
            />
            <StatusSelect
              value={status}
              onChange={(value) => {
                setStatus(value);
                reset();
              }}
            />
          </>
        }
      />
    </>
  );
}

export function SchoolSearchTable({ unitId }: { unitId: number }) {
  const { t } = useI18n();
  const columns = useUnitColumns().filter((c) => c.key !== "kind" && c.key !== "childCount");
  const [text, setText] = useState("");
  const [applied, setApplied] = useState<{ q?: string; schoolType?: string; status?: UnitStatus }>({});
  const [schoolType, setSchoolType] = useState<string>();
  const [status, setStatus] = useState<UnitStatus>();
  const [paging, setPaging] = useState({ page: 1, pageSize: 20 });
  const { data, isFetching, error } = useUnitSearch({
    kind: "school",
    withinUnitId: unitId,
    ...applied,
    ...paging,
  });
  const search = () => {
    setApplied({ q: text.trim() || undefined, schoolType, status });
    setPaging((p) => ({ ...p, page: 1 }));
  };
  return (
    <>
      <ProblemAlert error={error} />
      <DataTable<Unit>
        tableId="school-search"
        columns={columns}
        rows={data?.items}
        rowKey="id"
        loading={isFetching}
        pageState={data}
        onPageChange={(page, pageSize) => setPaging({ page, pageSize })}
        toolbar={
          <>
            <Input
              allowClear
              style={{ width: 240 }}
              aria-label={t("org.searchSchools")}
              placeholder={t("org.searchSchools")}
              value={text}
              onChange={(event) => setText(event.target.value)}
              onPressEnter={search}
            />
            <SchoolTypeSelect
              value={schoolType}
              onChange={setSchoolType}
              placeholder={t("school.schoolType")}
            />
            <StatusSelect value={status} onChange={setStatus} />
            <Button type="primary" onClick={search}>
              {t("common.search")}
            </Button>
          </>
        }
      />
    </>
  );
}
