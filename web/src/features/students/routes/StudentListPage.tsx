/**
 * 学生名册: students of the selected unit's subtree, searched on the server by name (prefix),
 * student number or identity number, and filtered by school, grade, class and status. Identity
 * numbers are shown masked, exactly as the API lists them. The API lists in id order, or by
 * name (then id) when the search is a name; the name column then shows as sorted.
 */
import { CloudUploadOutlined, SearchOutlined, UserAddOutlined } from "@ant-design/icons";
import { Button, Flex, Input } from "antd";
import { type SyntheticEvent, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { useSelectedUnit } from "../../../shared/api/selected-unit";
import { useCodeLabel } from "../../../shared/code-sets/code-sets";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { useCan } from "../../../shared/session/session";
import { type DataColumn, DataTable } from "../../../shared/ui/DataTable";
import { PageTitle } from "../../../shared/ui/PageTitle";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import { UnitPicker } from "../../../shared/ui/UnitPicker";
import { type StudentFilter, type StudentRow, useStudents } from "../api/students";
import { ExportStudents } from "../components/ExportStudents";
import { CodeSelect, GradeSelect, StudentStatusTag } from "../components/StudentTags";

/** Whole student and identity numbers are exact searches; anything else is a name prefix. */
const WHOLE_NUMBER = /^[GJL]\d{17}[\dX]$|^L\d{18}$|^\d{17}[\dX]$/;
const stop = (event: SyntheticEvent) => event.stopPropagation();

export function StudentListPage() {
  const { t } = useI18n();
  const can = useCan();
  const { unit } = useSelectedUnit();
  const [params] = useSearchParams();
  const sex = useCodeLabel("sex");
  const grade = useCodeLabel("grade");
  const [q, setQ] = useState(params.get("q") ?? "");
  const [schoolId, setSchoolId] = useState<number>();
  const [gradeCode, setGradeCode] = useState<string>();
  const [className, setClassName] = useState("");
  const [status, setStatus] = useState<string | undefined>(params.get("status") ?? undefined);
  const [applied, setApplied] = useState<StudentFilter>({
    q: params.get("q") ?? undefined,
    status: params.get("status") ?? undefined,
  });
  const [paging, setPaging] = useState({ page: 1, pageSize: 20 });
  const filter: StudentFilter = { ...applied, withinUnitId: unit.id };
  const { data, isFetching, error } = useStudents({ ...filter, ...paging });
  const isSchool = unit.kind === "school";
  const sought = applied.q?.trim().toUpperCase();
  const byName = !!sought && !WHOLE_NUMBER.test(sought);

  const search = () => {
    setApplied({
      q: q.trim() || undefined,
      schoolId,
      grade: gradeCode,
      className: className.trim() || undefined,
      status,
    });
    setPaging((p) => ({ ...p, page: 1 }));
  };

  const columns: DataColumn<StudentRow>[] = [
    {
      key: "studentNumber",
      title: t("student.studentNumber"),
      fixedVisible: true,
      render: (_, s) => <Link to={`/students/${s.id}`}>{s.studentNumber}</Link>,
    },
    {
      key: "name",
      title: t("student.name"),
      dataIndex: "name",
      fixedVisible: true,
      // A name search comes from the server by name (then id): shown as sorted (and aria-sort),
      // but not a choice, so the header's click and Enter never reach the table's sorter.
      ...(byName
        ? {
            sorter: true,
            sortOrder: "ascend",
            sortDirections: ["ascend"],
            showSorterTooltip: false,
            onHeaderCell: () => ({ onClickCapture: stop, onKeyDownCapture: stop }),
          }
        : {}),
    },
    { key: "sex", title: t("student.sex"), render: (_, s) => sex(s.sex) },
    { key: "birthDate", title: t("student.birthDate"), dataIndex: "birthDate" },
    { key: "identityNumber", title: t("student.identityNumber"), dataIndex: "identityNumber" },
    { key: "school", title: t("student.school"), dataIndex: "schoolName" },
    { key: "grade", title: t("student.grade"), render: (_, s) => grade(s.grade) },
    { key: "className", title: t("student.className"), dataIndex: "className" },
    { key: "status", title: t("student.status"), render: (_, s) => <StudentStatusTag status={s.status} /> },
    {
      key: "actions",
      title: t("common.actions"),
      fixedVisible: true,
      render: (_, s) => (
        <Link to={`/students/${s.id}`} aria-label={t("students.openNamed", { name: s.name })}>
          {t("common.detail")}
        </Link>
      ),
    },
  ];

  return (
    <>
      <PageTitle
        title={t("students.title")}
        sub={
          isSchool ? t("students.scopeSchool", { name: unit.name }) : t("students.scope", { name: unit.name })
        }
        extra={
          can("students:write") ? (
            <>
              <Link to={`/units/${unit.id}/students/new`}>
                <Button type="primary" icon={<UserAddOutlined />}>
                  {t("menu.studentRegister")}
                </Button>
              </Link>
              <Link to={`/units/${unit.id}/students/import`}>
                <Button icon={<CloudUploadOutlined />}>{t("menu.studentImport")}</Button>
              </Link>
            </>
          ) : null
        }
      />
      <ProblemAlert error={error} />
      <DataTable<StudentRow>
        tableId="students"
        testId="students-table"
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
              style={{ width: 200 }}
              aria-label={t("students.search")}
              placeholder={t("students.search")}
              value={q}
              onChange={(event) => setQ(event.target.value)}
              onPressEnter={search}
            />
            {isSchool ? null : (
              <UnitPicker
                style={{ width: 220 }}
                kind="school"
                aria-label={t("student.school")}
                placeholder={t("students.schoolFilter")}
                value={schoolId ?? null}
                onChange={(value) => setSchoolId(typeof value === "number" ? value : undefined)}
              />
            )}
            <GradeSelect
              allowClear
              style={{ width: 140 }}
              aria-label={t("student.grade")}
              placeholder={t("student.grade")}
              value={gradeCode}
              onChange={setGradeCode}
            />
            <Input
              allowClear
              style={{ width: 110 }}
              aria-label={t("student.className")}
              placeholder={t("student.className")}
              value={className}
              onChange={(event) => setClassName(event.target.value)}
              onPressEnter={search}
            />
            <CodeSelect
              codeSet="student_status"
              style={{ width: 120 }}
              aria-label={t("student.status")}
              placeholder={t("student.status")}
              value={status}
              onChange={setStatus}
            />
            <Button type="primary" icon={<SearchOutlined />} onClick={search}>
              {t("common.search")}
            </Button>
            <Flex style={{ marginInlineStart: "auto" }}>
              <ExportStudents filter={filter} />
            </Flex>
          </>
        }
      />
    </>
  );
}
