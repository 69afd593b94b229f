/**
 * Everything under /units/:unitId: loads the unit (the API answers 404 for a unit that does
 * not exist and for one outside the user's scope alike), shows where it sits in the tree and
 * lets the clerk step down to a child unit; the page itself comes below.
 */
import { ApartmentOutlined } from "@ant-design/icons";
import { Breadcrumb, Button, Card, Flex, Result, Select, Skeleton } from "antd";
import { useEffect, useState } from "react";
import { Link, Outlet, useLocation, useNavigate, useParams } from "react-router";
import { isProblem } from "../../shared/api/problem";
import type { UnitWithAncestors } from "../../shared/api/types";
import { useChildren, useUnit } from "../../shared/api/units";
import { useDebouncedValue } from "../../shared/hooks/useDebouncedValue";
import { useI18n } from "../../shared/i18n/I18nProvider";
import { rememberUnit } from "../../shared/session/last-unit";
import { useMe } from "../../shared/session/session";
import { ProblemAlert } from "../../shared/ui/ProblemAlert";
import { ResultHeading } from "../../shared/ui/ResultHeading";
import { UnitKindTag, UnitStatusTag } from "../../shared/ui/UnitTags";

/** Pages that make sense for any unit keep their place when the unit changes; the others go to the dashboard. */
const PORTABLE_SECTIONS = new Set([
  "",
  "org",
  "detail",
  "users",
  "responsible",
  "audit",
  "import",
  "schools/new",
  "students",
  "students/new",
  "students/import",
  "students/transfer-in",
  "students/problems",
  "students/promotion",
]);

function useSection(): string {
  const { pathname } = useLocation();
  const rest = pathname.replace(/^\/units\/[^/]+\/?/, "").replace(/\/$/, "");
  return PORTABLE_SECTIONS.has(rest) ? rest : "";
}

function unitPath(id: number, section: string): string {
  return section ? `/units/${id}/${section}` : `/units/${id}`;
}

function DrillDown({ unitId, section }: { unitId: number; section: string }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [text, setText] = useState("");
  const q = useDebouncedValue(text.trim(), 300);
  const { data, isFetching } = useChildren(unitId, { q: q || undefined, page: 1, pageSize: 50 });
  const options = (data?.items ?? []).map((u) => ({ value: u.id, label: `${u.name}（${u.code}）` }));
  return (
    <Select<number>
      style={{ width: 300 }}
      aria-label={t("unitBar.drillDown")}
      placeholder={t("unitBar.drillDown")}
      showSearch={{ filterOption: false, onSearch: setText }}
      value={null}
      loading={isFetching}
      options={options}
      notFoundContent={t("unitBar.noChildren")}
      onChange={(id) => navigate(unitPath(id, section))}
      suffixIcon={<ApartmentOutlined />}
      data-testid="unit-drilldown"
    />
  );
}

function UnitBar({ data, section }: { data: UnitWithAncestors; section: string }) {
  const { t } = useI18n();
  const { unit, ancestors } = data;
  const items = [
    ...ancestors.map((a) => ({
      key: a.id,
      title: <Link to={unitPath(a.id, section)}>{a.name}</Link>,
    })),
    {
      key: unit.id,
      title: (
        <span aria-current="page">
          <strong>{unit.name}</strong>
        </span>
      ),
    },
  ];
  return (
    <Card size="small" style={{ marginBottom: 16 }} styles={{ body: { padding: "8px 16px" } }}>
      <Flex align="center" justify="space-between" gap={12} wrap>
        <Flex align="center" gap={8} wrap>
          <nav aria-label={t("unitBar.breadcrumb")}>
            <Breadcrumb items={items} />
          </nav>
          <UnitKindTag kind={unit.kind} />
          {unit.status !== "active" ? <UnitStatusTag status={unit.status} /> : null}
        </Flex>
        {unit.kind !== "school" ? <DrillDown unitId={unit.id} section={section} /> : null}
      </Flex>
    </Card>
  );
}

export function UnitLayout() {
  const { t } = useI18n();
  const { unitId } = useParams();
  const section = useSection();
  const { data: me } = useMe();
  const id = Number(unitId);
  const valid = Number.isSafeInteger(id) && id > 0;
  const { data, error, isPending } = useUnit(valid ? id : undefined);
  useEffect(() => {
    if (data) rememberUnit(data.unit.id);
  }, [data]);
  const home = me ? (
    <Link to={`/units/${me.scopeUnitId}`}>
      <Button type="primary">{t("unitBar.backToScope")}</Button>
    </Link>
  ) : null;
  if (!valid || (isProblem(error) && error.status === 404)) {
    return (
      <div data-testid="unit-not-found">
        <Result
          status="404"
          title={
            <ResultHeading text={t("unitBar.notFoundTitle")}>{t("unitBar.notFoundTitle")}</ResultHeading>
          }
          subTitle={
            // The API's words when they add something; otherwise how to find the unit.
            isProblem(error) && error.detail !== t("unitBar.notFoundTitle")
              ? error.detail
              : t("unitBar.notFoundHint")
          }
          extra={home}
        />
      </div>
    );
  }
  if (error) return <ProblemAlert error={error} />;
  if (isPending) return <Skeleton active />;
  return (
    <>
      <UnitBar data={data} section={section} />
      <Outlet context={data} />
    </>
  );
}
