import {
  ApartmentOutlined,
  AuditOutlined,
  BankOutlined,
  ClockCircleOutlined,
  ExclamationCircleOutlined,
  ReadOutlined,
  TeamOutlined,
  WarningOutlined,
} from "@ant-design/icons";
import { Button, Card, Col, Descriptions, Row, Skeleton, Statistic, Typography } from "antd";
import type { ReactNode } from "react";
import { Link } from "react-router";
import { useSelectedUnit } from "../../../shared/api/selected-unit";
import { codeLabel, useCodeLabel, useCodeSet } from "../../../shared/code-sets/code-sets";
import { formatCount, formatDate, formatTotal } from "../../../shared/format/format";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { useCan } from "../../../shared/session/session";
import { PageTitle } from "../../../shared/ui/PageTitle";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import { useResponsibleGaps, useUnitStats } from "../api/dashboard";
import { SchoolTypeChart } from "../components/SchoolTypeChart";

/** Students whose status is 在读 (in school). */
const IN_SCHOOL = "01";

interface FigureProps {
  title: string;
  value: number | undefined;
  loading: boolean;
  icon: ReactNode;
  link?: string;
  testId: string;
  /** Shown in red when above zero (overdue steps, open problems). */
  alert?: boolean;
}

function Figure({ title, value, loading, icon, link, testId, alert }: FigureProps) {
  const warn = alert === true && (value ?? 0) > 0;
  return (
    <Card size="small" data-testid={testId} style={{ height: "100%" }}>
      <Statistic
        title={link ? <Link to={link}>{title}</Link> : title}
        value={value === undefined ? "—" : formatCount(value)}
        loading={loading}
        prefix={icon}
        styles={{ content: { color: warn ? "#cf1322" : undefined } }}
      />
    </Card>
  );
}

function SchoolSummary() {
  const { t } = useI18n();
  const { unit } = useSelectedUnit();
  const runningType = useCodeLabel("school_running_type");
  const stage = useCodeLabel("education_stage");
  const ownership = useCodeLabel("ownership");
  const school = unit.school;
  if (!school) return null;
  return (
    <Card
      title={t("dashboard.schoolInfo")}
      size="small"
      extra={<Link to={`/units/${unit.id}/detail`}>{t("dashboard.openDetail")}</Link>}
      style={{ marginBottom: 16 }}
    >
      <Descriptions
        size="small"
        column={3}
        items={[
          { key: "code", label: t("school.schoolCode"), children: school.schoolCode },
          { key: "runningType", label: t("school.runningType"), children: runningType(school.runningType) },
          { key: "stages", label: t("school.stages"), children: school.stages.map(stage).join("、") },
          { key: "ownership", label: t("school.ownership"), children: ownership(school.ownership) },
          { key: "openedOn", label: t("school.openedOn"), children: formatDate(school.openedOn) },
          { key: "address", label: t("school.address"), children: school.address ?? "" },
        ]}
      />
    </Card>
  );
}

export function DashboardPage() {
  const { t, locale } = useI18n();
  const can = useCan();
  const { unit } = useSelectedUnit();
  const schoolTypes = useCodeSet("school_type");
  const systems = useCodeSet("responsible_system", can("responsible:read"));
  const stats = useUnitStats(unit.id);
  const gaps = useResponsibleGaps(systems.data?.items, can("responsible:read"));
  const isSchool = unit.kind === "school";
  const data = stats.data;
  const loading = stats.isPending;
  const byType = (schoolTypes.data?.items ?? [])
    .filter((type) => type.isActive)
    .map((type) => ({ type, count: data?.schoolsByType[type.code] ?? 0 }));

  // Each figure the API counted for this user; a null figure is a module the user may not read.
  const figures: FigureProps[] = [];
  if (!isSchool) {
    figures.push({
      testId: "figure-children",
      title: t("dashboard.children"),
      value: data?.children,
      loading,
      icon: <ApartmentOutlined />,
      link: `/units/${unit.id}/org`,
    });
  }
  for (const status of ["active", "closed", "merged"] as const) {
    figures.push({
      testId: `figure-${status}`,
      title: t(`dashboard.${status}Schools`),
      value: data ? (data.schoolsByStatus[status] ?? 0) : undefined,
      loading,
      icon: <BankOutlined />,
    });
  }
  if (data?.users != null) {
    figures.push({
      testId: "figure-users",
      title: t("dashboard.users"),
      value: data.users,
      loading,
      icon: <TeamOutlined />,
      link: `/units/${unit.id}/users`,
    });
  }
  if (data?.studentsByStatus != null) {
    figures.push({
      testId: "figure-students",
      title: t("dashboard.studentsInSchool"),
      value: data.studentsByStatus[IN_SCHOOL] ?? 0,
      loading,
      icon: <ReadOutlined />,
      link: `/units/${unit.id}/students?status=${IN_SCHOOL}`,
    });
  }
  if (data?.pendingApprovals != null) {
    figures.push({
      testId: "figure-approvals",
      title: t("dashboard.pendingApprovals"),
      value: data.pendingApprovals,
      loading,
      icon: <AuditOutlined />,
      link: "/approvals/requests?status=in_progress",
    });
  }
  if (data?.overdueApprovals != null) {
    figures.push({
      testId: "figure-overdue",
      title: t("dashboard.overdueApprovals"),
      value: data.overdueApprovals,
      loading,
      icon: <ClockCircleOutlined />,
      link: "/approvals/overdue",
      alert: true,
    });
  }
  if (data?.openProblems != null) {
    figures.push({
      testId: "figure-problems",
      title: t("dashboard.openProblems"),
      value: data.openProblems,
      loading,
      icon: <ExclamationCircleOutlined />,
      link: `/units/${unit.id}/students/problems`,
      alert: true,
    });
  }

  return (
    <>
      <PageTitle
        title={unit.name}
        sub={`${t(`unit.kind.${unit.kind}`)} · ${t("unit.code")} ${unit.code}`}
        extra={
          <Link to={`/units/${unit.id}/org`}>
            <Button icon={<ApartmentOutlined />}>{t("dashboard.browse")}</Button>
          </Link>
        }
      />
      <ProblemAlert error={stats.error} />
      {isSchool ? <SchoolSummary /> : null}
      <Row gutter={[16, 16]} style={{ marginBottom: 16 }}>
        {figures.map((figure) => (
          <Col key={figure.testId} flex="1 1 120px">
            <Figure {...figure} />
          </Col>
        ))}
      </Row>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={can("responsible:read") ? 15 : 24}>
          <Card title={t("dashboard.byType")} size="small">
            {loading || schoolTypes.isPending ? <Skeleton active /> : <SchoolTypeChart rows={byType} />}
          </Card>
        </Col>
        {can("responsible:read") ? (
          <Col xs={24} xl={9}>
            <Card
              size="small"
              title={
                <span>
                  <WarningOutlined aria-hidden style={{ color: "#d97706", marginInlineEnd: 8 }} />
                  {t("dashboard.gaps")}
                </span>
              }
              extra={<Link to="/responsible/missing">{t("dashboard.gapsAll")}</Link>}
            >
              <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
                {t("dashboard.gapsScope")}
              </Typography.Paragraph>
              {gaps.isPending ? (
                <Skeleton active paragraph={{ rows: 4 }} />
              ) : (
                <ul style={{ listStyle: "none", margin: 0, padding: 0 }}>
                  {gaps.rows.map((row) => (
                    <li
                      key={row.system.code}
                      style={{
                        display: "flex",
                        justifyContent: "space-between",
                        padding: "8px 0",
                        borderBottom: "1px solid #f0f0f0",
                      }}
                    >
                      <span>{codeLabel(row.system, locale)}</span>
                      <Link to={`/responsible/missing?system=${row.system.code}`}>
                        {row.count ? formatTotal(row.count.total, row.count.isLowerBound) : "—"}
                      </Link>
                    </li>
                  ))}
                </ul>
              )}
            </Card>
          </Col>
        ) : null}
      </Row>
    </>
  );
}
