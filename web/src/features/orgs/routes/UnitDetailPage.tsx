import { Card, Col, Descriptions, type DescriptionsProps, Row } from "antd";
import { useSelectedUnit } from "../../../shared/api/selected-unit";
import { useCodeLabel } from "../../../shared/code-sets/code-sets";
import { formatDate } from "../../../shared/format/format";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { useCan } from "../../../shared/session/session";
import { PageTitle } from "../../../shared/ui/PageTitle";
import { UnitNameLink } from "../../../shared/ui/UnitNameLink";
import { UnitKindTag, UnitStatusTag } from "../../../shared/ui/UnitTags";
import { HistoryTimeline } from "../components/HistoryTimeline";
import { UnitActions } from "../components/UnitActions";

export function UnitDetailPage() {
  const { t, tx } = useI18n();
  const can = useCan();
  const { unit } = useSelectedUnit();
  const schoolType = useCodeLabel("school_type");
  const runningType = useCodeLabel("school_running_type");
  const stage = useCodeLabel("education_stage");
  const ownership = useCodeLabel("ownership");
  const school = unit.school;

  const items: DescriptionsProps["items"] = [
    { key: "name", label: t("unit.name"), children: unit.name },
    { key: "code", label: t("unit.code"), children: unit.code },
    { key: "kind", label: t("unit.kind"), children: <UnitKindTag kind={unit.kind} /> },
    { key: "status", label: t("unit.status"), children: <UnitStatusTag status={unit.status} /> },
    { key: "division", label: t("unit.divisionCode"), children: unit.divisionCode ?? "" },
  ];
  if (unit.departmentType) {
    items.push({
      key: "departmentType",
      label: t("unit.departmentType"),
      children: tx(`unit.departmentType.${unit.departmentType}`, unit.departmentType),
    });
  }
  if (school) {
    items.push(
      { key: "schoolCode", label: t("school.schoolCode"), children: school.schoolCode },
      { key: "schoolType", label: t("school.schoolType"), children: schoolType(school.schoolType) },
      { key: "runningType", label: t("school.runningType"), children: runningType(school.runningType) },
      { key: "stages", label: t("school.stages"), children: school.stages.map(stage).join("、") },
      { key: "ownership", label: t("school.ownership"), children: ownership(school.ownership) },
      { key: "creditCode", label: t("school.creditCode"), children: school.creditCode ?? "" },
      { key: "address", label: t("school.address"), children: school.address ?? "" },
      {
        key: "supervising",
        label: t("school.supervisingUnit"),
        children: <UnitNameLink id={school.supervisingUnitId} />,
      },
      { key: "openedOn", label: t("school.openedOn"), children: formatDate(school.openedOn) },
      { key: "closedOn", label: t("school.closedOn"), children: formatDate(school.closedOn) },
    );
    if (school.mergedIntoUnitId) {
      items.push({
        key: "mergedInto",
        label: t("school.mergedInto"),
        children: <UnitNameLink id={school.mergedIntoUnitId} />,
      });
    }
  }

  // The last cell takes the rest of its row, whatever the number of attributes.
  const last = items.at(-1);
  if (last) last.span = "filled";

  return (
    <>
      <PageTitle
        title={unit.name}
        sub={t("detail.title")}
        extra={can("orgs:write") ? <UnitActions unit={unit} /> : null}
      />
      <Row gutter={16}>
        <Col xs={24} xl={15}>
          <Card size="small" title={t("detail.attributes")} style={{ marginBottom: 16 }}>
            <Descriptions bordered size="small" column={2} items={items} />
          </Card>
        </Col>
        <Col xs={24} xl={9}>
          <Card size="small" title={t("detail.history")}>
            <HistoryTimeline unitId={unit.id} />
          </Card>
        </Col>
      </Row>
    </>
  );
}
