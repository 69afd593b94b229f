/**
 * 入学登记: one student through the template's fields. The API assigns the number (G from a
 * resident ID card not yet registered, J without one); a suspected duplicate is still registered
 * — on a temporary L number, queued as a problem record — so a child is never turned away here.
 */
import { CheckCircleOutlined, UserAddOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Card, Flex, Form, Result, Typography } from "antd";
import dayjs from "dayjs";
import { useState } from "react";
import { Link } from "react-router";
import { useSelectedUnit } from "../../../shared/api/selected-unit";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { useMe } from "../../../shared/session/session";
import { applyProblemToForm, type UnplacedProblem } from "../../../shared/ui/form-errors";
import { PageTitle } from "../../../shared/ui/PageTitle";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import { invalidateStudents, type Registration, registerStudent } from "../api/students";
import { FIELD_KEYS, fromIdentityNumber, STUDENT_FIELDS } from "../components/fields";
import { StudentFormFields } from "../components/StudentFormFields";

type FormValues = Record<string, unknown>;

/** Form values as the API takes them: trimmed text, YYYY-MM-DD dates, YYYY-MM months, booleans. */
function toBody(values: FormValues): Record<string, string | boolean | null> {
  const body: Record<string, string | boolean | null> = {};
  for (const field of STUDENT_FIELDS) {
    const value = values[field.key];
    if (value === undefined || value === null || value === "") continue;
    if (dayjs.isDayjs(value))
      body[field.key] = value.format(field.kind === "month" ? "YYYY-MM" : "YYYY-MM-DD");
    else if (typeof value === "boolean") body[field.key] = value;
    else if (typeof value === "string") {
      const trimmed = value.trim();
      if (trimmed) body[field.key] = trimmed;
    }
  }
  return body;
}

/** Sensible starting values of a registration in mainland China; the clerk changes what differs. */
const INITIAL: FormValues = {
  nationality: "CHN",
  idDocumentType: "1",
  overseasStatus: "00",
  healthStatus: "10",
  ethnicity: "01",
  isOnlyChild: false,
  hadPreschool: true,
  isMigrantChild: false,
  isOrphan: false,
  isMartyrChild: false,
};

function Registered({
  result,
  name,
  onAgain,
  unitId,
}: {
  result: Registration;
  name: string;
  onAgain: () => void;
  unitId: number;
}) {
  const { t, tx } = useI18n();
  const duplicate = result.problems.length > 0;
  return (
    <Card>
      <Result
        status={duplicate ? "warning" : "success"}
        icon={duplicate ? undefined : <CheckCircleOutlined />}
        title={
          <span>
            {t("register.done", { name })}
            {/* A G number comes masked like the identity number it holds: nothing to copy then. */}
            <Typography.Text
              copyable={!result.studentNumber.includes("*")}
              strong
              style={{ fontSize: 22, marginInlineStart: 12 }}
              data-testid="registered-number"
            >
              {result.studentNumber}
            </Typography.Text>
          </span>
        }
        subTitle={t(
          `register.numberKind.${result.studentNumber[0] === "G" ? "G" : result.studentNumber[0] === "L" ? "L" : "J"}`,
        )}
        extra={[
          <Link key="open" to={`/students/${result.id}`}>
            <Button type="primary">{t("register.openStudent")}</Button>
          </Link>,
          <Button key="again" icon={<UserAddOutlined />} onClick={onAgain}>
            {t("register.another")}
          </Button>,
        ]}
      >
        {duplicate ? (
          <Alert
            type="warning"
            showIcon
            role="alert"
            data-testid="duplicate-warning"
            title={t("register.duplicate")}
            description={
              <Flex vertical gap={4}>
                {result.problems.map((p) => (
                  <span key={`${p.kind}-${p.relatedStudentId ?? ""}`}>
                    {tx(`problem.kind.${p.kind}`, p.kind)}
                    {p.relatedStudentId ? (
                      <>
                        {" · "}
                        <Link to={`/students/${p.relatedStudentId}`}>
                          {t("problem.relatedRecord", { id: p.relatedStudentId })}
                        </Link>
                      </>
                    ) : null}
                  </span>
                ))}
                <Link to={`/units/${unitId}/students/problems`}>{t("register.toProblems")}</Link>
              </Flex>
            }
          />
        ) : null}
      </Result>
    </Card>
  );
}

export function RegisterStudentPage() {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const { data: me } = useMe();
  const { unit } = useSelectedUnit();
  const [form] = Form.useForm<FormValues>();
  const [problem, setProblem] = useState<UnplacedProblem | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [result, setResult] = useState<{ registration: Registration; name: string } | null>(null);
  // A school's clerk registers at the school; anyone above picks the school (the API's schoolCode).
  const withSchool = me?.side !== "school";

  const submit = async (values: FormValues) => {
    setSubmitting(true);
    setProblem(null);
    try {
      const registration = await registerStudent(toBody(values));
      await invalidateStudents(queryClient);
      setResult({ registration, name: String(values.name ?? "") });
      window.scrollTo({ top: 0 });
    } catch (error) {
      setProblem(applyProblemToForm(form, error, FIELD_KEYS));
    } finally {
      setSubmitting(false);
    }
  };

  // A valid resident ID card number carries birth date and sex: fill them when still empty.
  const onValuesChange = (changed: FormValues) => {
    const number = changed.identityNumber;
    if (typeof number !== "string" || form.getFieldValue("idDocumentType") !== "1") return;
    const derived = fromIdentityNumber(number.trim());
    if (!derived) return;
    if (!form.getFieldValue("birthDate")) form.setFieldValue("birthDate", dayjs(derived.birthDate));
    if (!form.getFieldValue("sex")) form.setFieldValue("sex", derived.sex);
  };

  return (
    <>
      <PageTitle
        title={t("register.title")}
        sub={
          withSchool
            ? t("register.scopeAbove", { name: unit.name })
            : t("register.scopeSchool", { name: unit.name })
        }
      />
      {result ? (
        <Registered
          result={result.registration}
          name={result.name}
          unitId={unit.id}
          onAgain={() => {
            setResult(null);
            form.resetFields();
          }}
        />
      ) : (
        <>
          <ProblemAlert problem={problem} />
          <Form<FormValues>
            form={form}
            name="register-student"
            layout="vertical"
            initialValues={{
              ...INITIAL,
              ...(withSchool && unit.kind === "school" ? { schoolCode: unit.code } : {}),
            }}
            onFinish={(values) => void submit(values)}
            onValuesChange={onValuesChange}
            scrollToFirstError
          >
            <Typography.Paragraph type="secondary">{t("register.help")}</Typography.Paragraph>
            <StudentFormFields
              form={form}
              withSchool={withSchool}
              schoolOptions={
                unit.kind === "school" ? [{ value: unit.code, label: `${unit.name}（${unit.code}）` }] : []
              }
            />
            <Flex gap={8}>
              <Button type="primary" htmlType="submit" loading={submitting} icon={<UserAddOutlined />}>
                {t("register.submit")}
              </Button>
              <Link to={`/units/${unit.id}/students`}>
                <Button>{t("common.cancel")}</Button>
              </Link>
            </Flex>
          </Form>
        </>
      )}
    </>
  );
}
