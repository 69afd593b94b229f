import {
  ApartmentOutlined,
  AuditOutlined,
  BankOutlined,
  ReadOutlined,
  TeamOutlined,
  WarningOutlined,
} from "@ant-design/icons";
import { Button, Card, Col, Descriptions, Row, Skeleton, Statistic, Typography } from "antd";
import type { ReactNode } from "react";
import { Link } from "react-router";
import { useSelectedUnit } from "../../../shared/api/selected-unit";
import { codeLabel, useCodeLabel, useCodeSet } from "../../../shared/code-sets/code-sets";
import { formatDate, formatTotal } from "../../../shared/format/format";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { useCan } from "../../../shared/session/session";
import { PageTitle } from "../../../shared/ui/PageTitle";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import {
  type Count,
  useChildCount,
  usePendingApprovals,
  useResponsibleGaps,
  useSchoolStatusCounts,
  useSchoolTypeCounts,
  useStudentCount,
  useUserCount,
} from "../api/dashboard";
import { SchoolTypeChart } from "../components/SchoolTypeChart";

interface FigureProps {
  title: string;
  count: Count | undefined;
  loading: boolean;
  icon: ReactNode;
  link?: string;
  testId: string;
}

function Figure({ title, count, loading, icon, link, testId }: FigureProps) {
  const value = count ? formatTotal(count.total, count.isLowerBound) : "—";
  return (
    <Card size="small" data-testid={testId} style={{ height: "100%" }}>
      <Statistic
        title={link ? <Link to={link}>{title}</Link> : title}
        value={value}
        loading={loading}
        prefix={icon}
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
  const children = useChildCount(unit.id);
  const statuses = useSchoolStatusCounts(unit.id);
  const byType = useSchoolTypeCounts(unit.id, schoolTypes.data?.items);
  const users = useUserCount(unit.id, can("access:read"));
  const gaps = useResponsibleGaps(systems.data?.items, can("responsible:read"));
  const students = useStudentCount(unit.id, can("students:read"));
  const approvals = usePendingApprovals(can("workflow:approve"));
  const isSchool = unit.kind === "school";

  // Figures the user may see; students and approvals appear only once the API offers them.
  const figures: FigureProps[] = [];
  if (!isSchool) {
    figures.push({
      testId: "figure-children",
      title: t("dashboard.children"),
      count: children.data,
      loading: children.isPending,
      icon: <ApartmentOutlined />,
      link: `/units/${unit.id}/org`,
    });
  }
  figures.push(
    {
      testId: "figure-active",
      title: t("dashboard.activeSchools"),
      count: statuses.counts.active,
      loading: statuses.isPending,
      icon: <BankOutlined />,
    },
    {
      testId: "figure-closed",
      title: t("dashboard.closedSchools"),
      count: statuses.counts.closed,
      loading: statuses.isPending,
      icon: <BankOutlined />,
    },
    {
      testId: "figure-merged",
      title: t("dashboard.mergedSchools"),
      count: statuses.counts.merged,
      loading: statuses.isPending,
      icon: <BankOutlined />,
    },
  );
  if (can("access:read")) {
    figures.push({
      testId: "figure-users",
      title: t("dashboard.users"),
      count: users.data,
      loading: users.isPending,
      icon: <TeamOutlined />,
      link: `/units/${unit.id}/users`,
    });
  }
  if (students.data) {
    figures.push({
      testId: "figure-students",
      title: t("dashboard.students"),
      count: students.data,
      loading: false,
      icon: <ReadOutlined />,
    });
  }
  if (approvals.data) {
    figures.push({
      testId: "figure-approvals",
      title: t("dashboard.pendingApprovals"),
      count: approvals.data,
      loading: false,
      icon: <AuditOutlined />,
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
      <ProblemAlert error={children.error ?? statuses.error ?? byType.error} />
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
            {byType.isPending ? <Skeleton active /> : <SchoolTypeChart rows={byType.rows} />}
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
