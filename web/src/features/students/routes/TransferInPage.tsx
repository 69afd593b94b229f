/**
 * 转入申请: the receiving school (or its administration) asks for a student of another school.
 * The student is named by number and name only, which must both match the national registry:
 * the receiving school cannot see the sending school (outside its scope), so the server finds it
 * from the record. The request then runs the transfer chain (receiving school, sending school,
 * county…) and the student moves when the last step approves.
 */
import { SendOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Col, Form, Input, Row, Typography } from "antd";
import { useState } from "react";
import { Link } from "react-router";
import { useSelectedUnit } from "../../../shared/api/selected-unit";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { applyNestedProblemToForm, type UnplacedProblem } from "../../../shared/ui/form-errors";
import { PageTitle } from "../../../shared/ui/PageTitle";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import { UnitPicker } from "../../../shared/ui/UnitPicker";
import { submitRequest } from "../api/students";

interface TransferValues {
  studentNumber: string;
  name: string;
  className?: string;
  toSchoolId: number;
  reason: string;
}

const FIELDS = ["studentNumber", "name", "className", "toSchoolId", "reason"];
const STUDENT_NUMBER = /^[GJL]\d{17}[\dX]$|^L\d{18}$/;

export function TransferInPage() {
  const { t } = useI18n();
  const { unit } = useSelectedUnit();
  const [form] = Form.useForm<TransferValues>();
  const [problem, setProblem] = useState<UnplacedProblem | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [submitted, setSubmitted] = useState<{ id: number; name: string } | null>(null);
  const ownSchool = unit.kind === "school" ? unit : undefined;

  const submit = async (values: TransferValues) => {
    setSubmitting(true);
    setProblem(null);
    try {
      const name = values.name.trim();
      // The sending school is not asked for: the server derives it from the record found.
      const result = await submitRequest({
        type: "student_transfer",
        payload: {
          studentNumber: values.studentNumber.trim().toUpperCase(),
          name,
          toSchoolId: ownSchool?.id ?? values.toSchoolId,
          ...(values.className?.trim() ? { className: values.className.trim() } : {}),
          reason: values.reason.trim(),
        },
      });
      setSubmitted({ id: result.id, name });
      form.resetFields();
    } catch (error) {
      // A school's own target field is not shown: a problem with it goes to the alert.
      const fields = ownSchool ? FIELDS.filter((f) => f !== "toSchoolId") : FIELDS;
      setProblem(applyNestedProblemToForm(form, error, fields));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <>
      <PageTitle title={t("transfer.title")} sub={t("transfer.sub")} />
      {submitted ? (
        <Alert
          type="success"
          showIcon
          role="status"
          closable={{ onClose: () => setSubmitted(null) }}
          title={t("transfer.submitted", { name: submitted.name, id: submitted.id })}
          description={<Link to={`/approvals/requests/${submitted.id}`}>{t("change.openRequest")}</Link>}
          style={{ marginBottom: 16 }}
        />
      ) : null}
      <Card>
        <ProblemAlert problem={problem} />
        <Form<TransferValues>
          form={form}
          name="transfer-in"
          layout="vertical"
          initialValues={{ toSchoolId: ownSchool?.id }}
          onFinish={(values) => void submit(values)}
          scrollToFirstError
        >
          <Row gutter={24}>
            <Col xs={24} md={12}>
              <Form.Item
                name="studentNumber"
                label={t("transfer.studentNumber")}
                extra={t("transfer.studentNumberHint")}
                normalize={(v: string) => v?.toUpperCase()}
                rules={[
                  { required: true, message: t("form.required") },
                  { pattern: STUDENT_NUMBER, message: t("transfer.studentNumberFormat") },
                ]}
              >
                <Input maxLength={19} autoComplete="off" />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item
                name="name"
                label={t("transfer.name")}
                extra={t("transfer.nameHint")}
                rules={[{ required: true, whitespace: true, message: t("form.required") }, { max: 100 }]}
              >
                <Input maxLength={100} />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              {ownSchool ? (
                // A school receives students into itself: its clerk enters only the student,
                // the class and the reason.
                <>
                  <Form.Item label={t("transfer.toSchool")}>
                    <Input value={`${ownSchool.name}（${ownSchool.code}）`} disabled />
                  </Form.Item>
                  <Form.Item name="toSchoolId" hidden>
                    <Input />
                  </Form.Item>
                </>
              ) : (
                <Form.Item
                  name="toSchoolId"
                  label={t("transfer.toSchool")}
                  rules={[{ required: true, message: t("form.required") }]}
                >
                  <UnitPicker kind="school" status="active" />
                </Form.Item>
              )}
            </Col>
            <Col xs={24} md={12}>
              <Form.Item name="className" label={t("transfer.className")} rules={[{ max: 50 }]}>
                <Input maxLength={50} />
              </Form.Item>
            </Col>
            <Col xs={24}>
              <Form.Item
                name="reason"
                label={t("transfer.reason")}
                rules={[{ required: true, whitespace: true, message: t("form.required") }, { max: 500 }]}
              >
                <Input.TextArea rows={3} maxLength={500} showCount />
              </Form.Item>
            </Col>
          </Row>
          <Typography.Paragraph type="secondary">{t("transfer.chainHint")}</Typography.Paragraph>
          <Button type="primary" htmlType="submit" loading={submitting} icon={<SendOutlined />}>
            {t("transfer.submit")}
          </Button>
        </Form>
      </Card>
    </>
  );
}
