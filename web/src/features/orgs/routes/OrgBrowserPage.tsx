import { CloudUploadOutlined, PlusOutlined } from "@ant-design/icons";
import { Button, Card, Col, Descriptions, Row, Tabs } from "antd";
import { Link, useNavigate } from "react-router";
import { useSelectedUnit } from "../../../shared/api/selected-unit";
import { ADMINISTRATIVE_KINDS } from "../../../shared/api/units";
import { useCodeLabel } from "../../../shared/code-sets/code-sets";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { useCan, useMe } from "../../../shared/session/session";
import { PageTitle } from "../../../shared/ui/PageTitle";
import { UnitStatusTag } from "../../../shared/ui/UnitTags";
import { ExportButtons } from "../components/ExportButtons";
import { ChildrenTable, SchoolSearchTable } from "../components/UnitTables";
import { UnitTree } from "../components/UnitTree";

/** A school has no children to list: its essentials and the way to its full record. */
function SchoolCard() {
  const { t } = useI18n();
  const { unit } = useSelectedUnit();
  const schoolType = useCodeLabel("school_type");
  const runningType = useCodeLabel("school_running_type");
  const school = unit.school;
  return (
    <Card
      size="small"
      title={unit.name}
      extra={
        <Link to={`/units/${unit.id}/detail`}>
          <Button type="primary">{t("dashboard.openDetail")}</Button>
        </Link>
      }
    >
      <Descriptions
        size="small"
        column={2}
        items={[
          { key: "code", label: t("school.schoolCode"), children: unit.code },
          { key: "status", label: t("unit.status"), children: <UnitStatusTag status={unit.status} /> },
          { key: "type", label: t("school.schoolType"), children: schoolType(school?.schoolType) },
          { key: "running", label: t("school.runningType"), children: runningType(school?.runningType) },
          { key: "address", label: t("school.address"), children: school?.address ?? "", span: 2 },
        ]}
      />
    </Card>
  );
}

/** The tree on the left, the selected unit's children (or a school search below it) on the right. */
export function OrgBrowserPage() {
  const { t } = useI18n();
  const can = useCan();
  const navigate = useNavigate();
  const { data: me } = useMe();
  const { unit, ancestors } = useSelectedUnit();
  const rootId = me?.scopeUnitId ?? unit.id;
  const openPath = [...ancestors.map((a) => a.id), unit.id];
  const administrative = ADMINISTRATIVE_KINDS.has(unit.kind);
  return (
    <>
      <PageTitle
        title={t("org.title")}
        sub={unit.name}
        extra={
          <>
            {can("orgs:write") && administrative ? (
              <>
                <Link to={`/units/${unit.id}/schools/new`}>
                  <Button icon={<PlusOutlined />}>{t("menu.openSchool")}</Button>
                </Link>
                <Link to={`/units/${unit.id}/import`}>
                  <Button icon={<CloudUploadOutlined />}>{t("menu.import")}</Button>
                </Link>
              </>
            ) : null}
            {can("orgs:export") ? <ExportButtons unitId={unit.id} /> : null}
          </>
        }
      />
      <Row gutter={16}>
        <Col xs={24} lg={8} xxl={6}>
          <Card size="small" title={t("tree.title")} styles={{ body: { padding: 8 } }}>
            <UnitTree
              rootId={rootId}
              selectedId={unit.id}
              openPath={openPath}
              onSelect={(id) => navigate(`/units/${id}/org`)}
            />
          </Card>
        </Col>
        <Col xs={24} lg={16} xxl={18}>
          {unit.kind === "school" ? (
            <SchoolCard />
          ) : (
            <Card size="small">
              <Tabs
                items={[
                  {
                    key: "children",
                    label: t("org.children"),
                    children: <ChildrenTable unitId={unit.id} />,
                  },
                  {
                    key: "schools",
                    label: t("org.schoolSearch"),
                    children: <SchoolSearchTable unitId={unit.id} />,
                  },
                ]}
              />
            </Card>
          )}
        </Col>
      </Row>
    </>
  );
}
