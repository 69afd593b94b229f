import { Select, Space, Tag } from "antd";
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { codeOptions, useCodeSet } from "../../../shared/code-sets/code-sets";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { type DataColumn, DataTable } from "../../../shared/ui/DataTable";
import { PageTitle } from "../../../shared/ui/PageTitle";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import { type MissingUnit, useMissing } from "../api/responsible";

/** Schools and education departments of the user's scope still lacking a named person for a system. */
export function MissingPage() {
  const { t, locale } = useI18n();
  const [params, setParams] = useSearchParams();
  const systems = useCodeSet("responsible_system");
  const system = params.get("system") ?? systems.data?.items[0]?.code ?? "";
  const [kind, setKind] = useState<"school" | "department">();
  const [paging, setPaging] = useState({ page: 1, pageSize: 20 });
  const { data, isFetching, error } = useMissing({ system, kind, ...paging });

  const columns: DataColumn<MissingUnit>[] = [
    {
      key: "name",
      title: t("unit.name"),
      fixedVisible: true,
      render: (_, row) => <Link to={`/units/${row.id}/detail`}>{row.name}</Link>,
    },
    { key: "code", title: t("unit.code"), dataIndex: "code" },
    {
      key: "kind",
      title: t("unit.kind"),
      render: (_, row) => t(row.kind === "school" ? "unit.kind.school" : "unit.kind.department"),
    },
    {
      key: "missing",
      title: t("responsible.missingDuties"),
      render: (_, row) => (
        <Space size={[0, 4]}>
          {row.missingDuties.map((d) => (
            <Tag key={d} color="orange">
              {t(`responsible.duty.${d}`)}
            </Tag>
          ))}
        </Space>
      ),
    },
    {
      key: "actions",
      title: t("common.actions"),
      fixedVisible: true,
      render: (_, row) => <Link to={`/units/${row.id}/responsible`}>{t("responsible.assign")}</Link>,
    },
  ];

  return (
    <>
      <PageTitle title={t("menu.responsibleMissing")} sub={t("responsible.missingScope")} />
      <ProblemAlert error={error} />
      <DataTable<MissingUnit>
        tableId="responsible-missing"
        columns={columns}
        rows={data?.items}
        rowKey="id"
        loading={isFetching || systems.isPending}
        pageState={data}
        onPageChange={(page, pageSize) => setPaging({ page, pageSize })}
        toolbar={
          <>
            <Select
              style={{ width: 220 }}
              aria-label={t("responsible.system")}
              value={system || undefined}
              onChange={(value: string) => {
                setParams({ system: value });
                setPaging((p) => ({ ...p, page: 1 }));
              }}
              options={codeOptions(systems.data?.items, locale).map((o) => ({
                ...o,
                label: o.label.replace(/^\S+ /, ""),
              }))}
            />
            <Select
              allowClear
              style={{ width: 160 }}
              aria-label={t("unit.kind")}
              placeholder={t("unit.kind")}
              value={kind}
              onChange={(value) => {
                setKind(value);
                setPaging((p) => ({ ...p, page: 1 }));
              }}
              options={[
                { value: "school", label: t("unit.kind.school") },
                { value: "department", label: t("unit.kind.department") },
              ]}
            />
          </>
        }
      />
    </>
  );
}
