/**
 * "The record as of a date": the school, grade, class, status and key fields as they stood at
 * the end of the chosen day, rebuilt by the API from the change history.
 */
import { Alert, DatePicker, Descriptions, Flex, Skeleton, Typography } from "antd";
import type { Dayjs } from "dayjs";
import { useState } from "react";
import { toIsoDate } from "../../../shared/format/format";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import { useStudentAsOf } from "../api/students";
import { useSnapshotValue } from "./StudentHistory";

const FIELDS = ["schoolUnitId", "grade", "className", "status", "name", "sex", "birthDate", "identityNumber"];

export function AsOfRecord({ studentId }: { studentId: number }) {
  const { t, tx } = useI18n();
  const show = useSnapshotValue();
  const [date, setDate] = useState<Dayjs | null>(null);
  const iso = toIsoDate(date);
  const { data, isFetching, error } = useStudentAsOf(studentId, iso);
  return (
    <Flex vertical gap={12} data-testid="as-of">
      <Flex gap={8} align="center" wrap>
        <label htmlFor="as-of-date">{t("student.asOfDate")}</label>
        <DatePicker
          id="as-of-date"
          format="YYYY-MM-DD"
          value={date}
          onChange={setDate}
          disabledDate={(day) => day.isAfter(new Date())}
        />
        <Typography.Text type="secondary">{t("student.asOfHint")}</Typography.Text>
      </Flex>
      <ProblemAlert error={error} />
      {iso === undefined ? null : isFetching && !data ? (
        <Skeleton active paragraph={{ rows: 3 }} />
      ) : data && !data.registered ? (
        <Alert type="info" showIcon title={t("student.asOfNotRegistered", { date: iso })} />
      ) : data?.record ? (
        <Descriptions
          bordered
          size="small"
          column={2}
          title={t("student.asOfTitle", { date: iso })}
          items={FIELDS.map((field) => ({
            key: field,
            label: field === "schoolUnitId" ? t("student.school") : tx(`student.${field}`, field),
            children: show(field, data.record?.[field]),
          }))}
        />
      ) : null}
    </Flex>
  );
}
