/**
 * 转入申请: the receiving school (or its administration) asks for a student of another school.
 * The student is named by number and name, which must both match the national registry; the
 * request then runs the transfer chain (receiving school, sending school, county…) and the
 * student moves when the last step approves.
 */
import { SendOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Col, Form, Input, InputNumber, Radio, Row, Typography } from "antd";
import { useState } from "react";
import { Link } from "react-router";
import { useSelectedUnit } from "../../../shared/api/selected-unit";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { useMe } from "../../../shared/session/session";
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
  fromWay: "scope" | "id";
  fromSchoolId?: number;
  fromSchoolUnitId?: number | null;
  reason: string;
}

const FIELDS = [
  "studentNumber",
  "name",
  "className",
  "toSchoolId",
  "fromSchoolId",
  "fromSchoolUnitId",
  "reason",
];
const STUDENT_NUMBER = /^[GJL]\d{17}[\dX]$|^L\d{18}$/;

export function TransferInPage() {
  const { t } = useI18n();
  const { unit } = useSelectedUnit();
  const { data: me } = useMe();
  const [form] = Form.useForm<TransferValues>();
  const [problem, setProblem] = useState<UnplacedProblem | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [submitted, setSubmitted] = useState<{ id: number; name: string } | null>(null);
  const fromWay = Form.useWatch("fromWay", form) ?? "scope";
  const ownSchool = unit.kind === "school" ? unit : undefined;

  const submit = async (values: TransferValues) => {
    setSubmitting(true);
    setProblem(null);
    try {
      const fromSchoolId = values.fromWay === "id" ? values.fromSchoolUnitId : values.fromSchoolId;
      const name = values.name.trim();
      const result = await submitRequest({
        type: "student_transfer",
        payload: {
          studentNumber: values.studentNumber.trim().toUpperCase(),
          name,
          fromSchoolId,
          toSchoolId: values.toSchoolId,
          ...(values.className?.trim() ? { className: values.className.trim() } : {}),
          reason: values.reason.trim(),
        },
      });
      setSubmitted({ id: result.id, name });
      form.resetFields();
    } catch (error) {
      const placed = applyNestedProblemToForm(form, error, FIELDS);
      // The API names the sending school "fromSchoolId" however it was chosen.
      if (values.fromWay === "id") {
        const errors = form.getFieldError("fromSchoolId");
        if (errors.length > 0) form.setFields([{ name: "fromSchoolUnitId", errors }]);
      }
      setProblem(placed);
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
          // A school's scope is the school itself: the sending school lies outside it.
          initialValues={{ fromWay: me?.side === "school" ? "id" : "scope", toSchoolId: ownSchool?.id }}
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
              <Form.Item
                name="toSchoolId"
                label={t("transfer.toSchool")}
                rules={[{ required: true, message: t("form.required") }]}
              >
                <UnitPicker
                  kind="school"
                  status="active"
                  initialOptions={
                    ownSchool
                      ? [{ value: ownSchool.id, label: `${ownSchool.name}（${ownSchool.code}）` }]
                      : []
                  }
                />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item name="className" label={t("transfer.className")} rules={[{ max: 50 }]}>
                <Input maxLength={50} />
              </Form.Item>
            </Col>
            <Col xs={24}>
              <Form.Item name="fromWay" label={t("transfer.fromSchool")}>
                <Radio.Group
                  options={[
                    { value: "scope", label: t("transfer.fromScope") },
                    { value: "id", label: t("transfer.fromId") },
                  ]}
                />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              {fromWay === "scope" ? (
                <Form.Item
                  name="fromSchoolId"
                  label={t("transfer.fromSchoolPick")}
                  rules={[{ required: true, message: t("form.required") }]}
                >
                  <UnitPicker
                    kind="school"
                    exclude={form.getFieldValue("toSchoolId") as number | undefined}
                  />
                </Form.Item>
              ) : (
                <Form.Item
                  name="fromSchoolUnitId"
                  label={t("transfer.fromSchoolId")}
                  extra={t("transfer.fromSchoolIdHint")}
                  rules={[{ required: true, message: t("form.required") }]}
                >
                  <InputNumber<number> min={1} precision={0} style={{ width: "100%" }} />
                </Form.Item>
              )}
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
