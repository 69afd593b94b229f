/**
 * One student's record (the read is audited by the API): every template field by its label,
 * guardians, problem records, the change history, the record as of any date, the archived
 * documents with their seals checked, the approval requests about the student, the registry
 * card, and the registry changes the record's status allows — each submitted as an approval request.
 */
import { DownOutlined, FilePdfOutlined, SafetyCertificateOutlined, SwapOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  App,
  Button,
  Card,
  Descriptions,
  Dropdown,
  Result,
  Skeleton,
  Space,
  Table,
  Tabs,
  Tag,
} from "antd";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { isProblem } from "../../../shared/api/problem";
import { ArchiveItems } from "../../../shared/archive/ArchiveItems";
import { useCodeLabel } from "../../../shared/code-sets/code-sets";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { useCan } from "../../../shared/session/session";
import { PageTitle } from "../../../shared/ui/PageTitle";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import { ResultHeading } from "../../../shared/ui/ResultHeading";
import {
  cardUrl,
  invalidateStudents,
  issueCard,
  type Student,
  type StudentProblemRef,
  useStudent,
} from "../api/students";
import { AsOfRecord } from "../components/AsOfRecord";
import { allowedChanges, ChangeRequestModal, type ChangeType } from "../components/ChangeRequestModal";
import { type ProblemTarget, ResolveProblemModal } from "../components/ResolveProblemModal";
import { GuardiansTable, StudentAttributes } from "../components/StudentAttributes";
import { StudentHistory } from "../components/StudentHistory";
import { StudentRequests } from "../components/StudentRequests";
import { ProblemKindTag, ProblemStatusTag, StudentStatusTag } from "../components/StudentTags";

function IssueCardButton({ student }: { student: Student }) {
  const { t } = useI18n();
  const { modal, message } = App.useApp();
  const queryClient = useQueryClient();
  const issue = () =>
    modal.confirm({
      title: t("student.issueCardTitle", { name: student.name }),
      content: t("student.issueCardConfirm"),
      okText: t("student.issueCard"),
      cancelText: t("common.cancel"),
      onOk: async () => {
        try {
          const item = await issueCard(student.id);
          message.success(t("student.cardIssued", { id: item.id }));
          await queryClient.invalidateQueries({ queryKey: ["archive"] });
        } catch (error) {
          message.error(error instanceof Error ? error.message : String(error));
        }
      },
    });
  return (
    <Button icon={<SafetyCertificateOutlined />} onClick={issue}>
      {t("student.issueCard")}
    </Button>
  );
}

function ProblemsTable({
  student,
  onResolve,
}: {
  student: Student;
  onResolve?: (problem: StudentProblemRef) => void;
}) {
  const { t } = useI18n();
  return (
    <Table<StudentProblemRef>
      size="small"
      rowKey="id"
      pagination={false}
      dataSource={student.problems}
      locale={{ emptyText: t("student.noProblems") }}
      columns={[
        { key: "id", title: t("problem.id"), render: (_, p) => `#${p.id}` },
        { key: "kind", title: t("problem.kind"), render: (_, p) => <ProblemKindTag kind={p.kind} /> },
        {
          key: "status",
          title: t("problem.status"),
          render: (_, p) => <ProblemStatusTag status={p.status} />,
        },
        {
          key: "related",
          title: t("problem.related"),
          render: (_, p) =>
            p.relatedStudentId ? (
              <Link to={`/students/${p.relatedStudentId}`}>
                {t("problem.relatedRecord", { id: p.relatedStudentId })}
              </Link>
            ) : null,
        },
        {
          key: "request",
          title: t("problem.request"),
          render: (_, p) =>
            p.requestId ? <Link to={`/approvals/requests/${p.requestId}`}>#{p.requestId}</Link> : null,
        },
        ...(onResolve
          ? [
              {
                key: "actions",
                title: t("common.actions"),
                render: (_: unknown, p: StudentProblemRef) =>
                  p.status === "open" ? (
                    <Button type="link" size="small" onClick={() => onResolve(p)}>
                      {t("problem.resolve")}
                    </Button>
                  ) : null,
              },
            ]
          : []),
      ]}
    />
  );
}

export function StudentDetailPage() {
  const { t, tx } = useI18n();
  const can = useCan();
  const queryClient = useQueryClient();
  const { studentId } = useParams();
  const id = Number(studentId);
  const valid = Number.isSafeInteger(id) && id > 0;
  const { data: student, error, isPending } = useStudent(valid ? id : 0);
  const grade = useCodeLabel("grade");
  const idType = useCodeLabel("id_document_type");
  const [change, setChange] = useState<ChangeType | null>(null);
  const [resolving, setResolving] = useState<ProblemTarget | null>(null);
  const [submitted, setSubmitted] = useState<{ id: number; label: string } | null>(null);

  if (!valid || (isProblem(error) && error.status === 404)) {
    return (
      <Result
        status="404"
        title={<ResultHeading text={t("student.notFound")}>{t("student.notFound")}</ResultHeading>}
        subTitle={isProblem(error) ? error.detail : undefined}
      />
    );
  }
  if (error) return <ProblemAlert error={error} />;
  if (isPending) return <Skeleton active />;

  const mayChange = can("students:write") && can("workflow:write");
  const changes = allowedChanges(student.status);
  const openProblems = student.problems.filter((p) => p.status !== "resolved");
  const onSubmitted = (requestId: number, label: string) => {
    setSubmitted({ id: requestId, label });
    void invalidateStudents(queryClient);
  };

  return (
    <>
      <PageTitle
        title={student.name}
        sub={`${student.studentNumber} · ${student.schoolName}`}
        extra={
          <>
            <a href={cardUrl(student.id)} target="_blank" rel="noreferrer">
              <Button icon={<FilePdfOutlined />}>{t("student.printCard")}</Button>
            </a>
            {can("students:write") ? <IssueCardButton student={student} /> : null}
            {mayChange ? (
              <Dropdown
                trigger={["click"]}
                menu={{
                  items: changes.map((type) => ({ key: type, label: tx(`change.type.${type}`, type) })),
                  onClick: ({ key }) => setChange(key as ChangeType),
                }}
              >
                <Button type="primary" icon={<SwapOutlined />}>
                  {t("change.menu")} <DownOutlined />
                </Button>
              </Dropdown>
            ) : null}
          </>
        }
      />
      {submitted ? (
        <Alert
          type="success"
          showIcon
          role="status"
          closable={{ onClose: () => setSubmitted(null) }}
          title={t("change.submitted", { type: submitted.label, id: submitted.id })}
          description={
            <Link to={`/approvals/requests/${submitted.id}`} data-testid="submitted-request-link">
              {t("change.openRequest")}
            </Link>
          }
          style={{ marginBottom: 16 }}
        />
      ) : null}
      {openProblems.length > 0 ? (
        <Alert
          type="warning"
          showIcon
          title={t("student.hasProblems", { count: openProblems.length })}
          description={
            <Space size={[4, 4]} wrap>
              {openProblems.map((p) => (
                <ProblemKindTag key={p.id} kind={p.kind} />
              ))}
            </Space>
          }
          style={{ marginBottom: 16 }}
        />
      ) : null}
      <Card size="small" style={{ marginBottom: 16 }}>
        <Descriptions
          size="small"
          column={{ xs: 1, md: 2, xl: 4 }}
          items={[
            {
              key: "number",
              label: t("student.studentNumber"),
              children: <span style={{ whiteSpace: "nowrap" }}>{student.studentNumber}</span>,
            },
            {
              key: "numberKind",
              label: t("student.numberKind"),
              children: <Tag>{t(`student.numberKind.${student.numberKind}`)}</Tag>,
            },
            {
              key: "status",
              label: t("student.status"),
              children: <StudentStatusTag status={student.status} />,
            },
            { key: "school", label: t("student.school"), children: student.schoolName },
            { key: "grade", label: t("student.grade"), children: grade(student.grade) },
            { key: "className", label: t("student.className"), children: student.className ?? "" },
            { key: "idType", label: t("student.idDocumentType"), children: idType(student.idDocumentType) },
            {
              key: "identity",
              label: t("student.identityNumber"),
              children: <span style={{ whiteSpace: "nowrap" }}>{student.identityNumber ?? ""}</span>,
            },
          ]}
        />
      </Card>
      <Tabs
        defaultActiveKey="record"
        items={[
          {
            key: "record",
            label: t("student.tab.record"),
            children: <StudentAttributes student={student} />,
          },
          {
            key: "guardians",
            label: t("student.tab.guardians"),
            children: (
              <Card size="small">
                <GuardiansTable guardians={student.guardians} />
              </Card>
            ),
          },
          {
            key: "history",
            label: t("student.tab.history"),
            children: (
              <Card size="small">
                <StudentHistory studentId={student.id} />
              </Card>
            ),
          },
          {
            key: "asOf",
            label: t("student.tab.asOf"),
            children: (
              <Card size="small">
                <AsOfRecord studentId={student.id} />
              </Card>
            ),
          },
          ...(can("workflow:read")
            ? [
                {
                  key: "requests",
                  label: t("student.tab.requests"),
                  children: (
                    <Card size="small">
                      <StudentRequests studentId={student.id} />
                    </Card>
                  ),
                },
                {
                  key: "archive",
                  label: t("student.tab.archive"),
                  children: (
                    <Card size="small">
                      <ArchiveItems subjectType="student" subjectId={String(student.id)} />
                    </Card>
                  ),
                },
              ]
            : []),
          {
            key: "problems",
            label: t("student.tab.problems", { count: student.problems.length }),
            children: (
              <Card size="small">
                <ProblemsTable
                  student={student}
                  onResolve={
                    mayChange
                      ? (p) =>
                          setResolving({
                            problemId: p.id,
                            kind: p.kind,
                            studentId: student.id,
                            studentName: student.name,
                            studentNumber: student.studentNumber,
                            schoolId: student.schoolId,
                          })
                      : undefined
                  }
                />
              </Card>
            ),
          },
        ]}
      />
      <ChangeRequestModal
        type={change}
        student={student}
        onClose={() => setChange(null)}
        onSubmitted={(request) => onSubmitted(request.id, tx(`change.type.${request.type}`, request.type))}
      />
      <ResolveProblemModal
        target={resolving}
        onClose={() => setResolving(null)}
        onSubmitted={(requestId) => onSubmitted(requestId, t("problem.resolutionRequest"))}
      />
    </>
  );
}
