import { useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Col, DatePicker, Form, Input, Row } from "antd";
import type { Dayjs } from "dayjs";
import { useState } from "react";
import { useNavigate } from "react-router";
import { useDivision } from "../../../shared/api/divisions";
import { useSelectedUnit } from "../../../shared/api/selected-unit";
import type { Ownership } from "../../../shared/api/types";
import { toIsoDate } from "../../../shared/format/format";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { applyProblemToForm, type UnplacedProblem } from "../../../shared/ui/form-errors";
import { PageTitle } from "../../../shared/ui/PageTitle";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import { UnitPicker } from "../../../shared/ui/UnitPicker";
import { invalidateOrgs, openSchool } from "../api/orgs";
import { OwnershipRadio, RunningTypeSelect, StagesSelect } from "../components/SchoolFields";

interface OpenSchoolForm {
  schoolCode: string;
  name: string;
  runningType: string;
  stages: string[];
  ownership: Ownership;
  creditCode?: string;
  address?: string;
  divisionCode: string;
  parentCode?: string;
  supervisingUnitCode?: string;
  openedOn?: Dayjs | null;
}

const FIELDS = [
  "schoolCode",
  "name",
  "runningType",
  "stages",
  "ownership",
  "creditCode",
  "address",
  "divisionCode",
  "parentCode",
  "supervisingUnitCode",
  "openedOn",
] as const;

function DivisionName({ code }: { code: string | undefined }) {
  const { t } = useI18n();
  const { data, isError } = useDivision(code);
  if (data) return <span>{data.name}</span>;
  if (isError) return <span>{t("school.divisionUnknown")}</span>;
  return <span>{t("school.divisionHint")}</span>;
}

/** Registering a school (开办学校) under the selected administrative unit. */
export function OpenSchoolPage() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { unit } = useSelectedUnit();
  const [form] = Form.useForm<OpenSchoolForm>();
  const [problem, setProblem] = useState<UnplacedProblem | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const divisionCode = Form.useWatch("divisionCode", form);
  // Opened from a city or province page, the school most likely belongs to that level.
  const parentCode = unit.kind === "prefecture" || unit.kind === "province" ? unit.code : undefined;

  const submit = async (values: OpenSchoolForm) => {
    setSubmitting(true);
    setProblem(null);
    try {
      const { id } = await openSchool({
        schoolCode: values.schoolCode.trim(),
        name: values.name.trim(),
        runningType: values.runningType,
        stages: values.stages,
        ownership: values.ownership,
        creditCode: values.creditCode?.trim() || null,
        address: values.address?.trim() || null,
        divisionCode: values.divisionCode.trim(),
        parentCode: values.parentCode || undefined,
        supervisingUnitCode: values.supervisingUnitCode || undefined,
        openedOn: toIsoDate(values.openedOn),
      });
      await invalidateOrgs(queryClient);
      message.success(t("school.opened", { name: values.name }));
      navigate(`/units/${id}/detail`);
    } catch (error) {
      setProblem(applyProblemToForm(form, error, FIELDS));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <>
      <PageTitle title={t("menu.openSchool")} sub={t("school.openUnder", { name: unit.name })} />
      <Card>
        <ProblemAlert problem={problem} />
        <Form<OpenSchoolForm>
          form={form}
          name="open-school"
          layout="vertical"
          onFinish={submit}
          initialValues={{
            divisionCode: unit.divisionCode ?? "",
            parentCode,
            ownership: "public",
            stages: [],
          }}
          scrollToFirstError
        >
          <Row gutter={24}>
            <Col xs={24} md={12}>
              <Form.Item
                name="schoolCode"
                label={t("school.schoolCode")}
                extra={t("school.schoolCodeHint")}
                rules={[
                  { required: true, message: t("form.required") },
                  { pattern: /^\d{10}$/, message: t("school.schoolCodeFormat") },
                ]}
              >
                <Input maxLength={10} inputMode="numeric" />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item
                name="name"
                label={t("school.name")}
                rules={[{ required: true, whitespace: true, message: t("form.required") }, { max: 200 }]}
              >
                <Input />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item
                name="runningType"
                label={t("school.runningType")}
                rules={[{ required: true, message: t("form.required") }]}
              >
                <RunningTypeSelect />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item
                name="stages"
                label={t("school.stages")}
                rules={[{ required: true, type: "array", min: 1, message: t("form.required") }]}
              >
                <StagesSelect />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item name="ownership" label={t("school.ownership")} rules={[{ required: true }]}>
                <OwnershipRadio />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item
                name="creditCode"
                label={t("school.creditCode")}
                rules={[{ len: 18, message: t("school.creditCodeLength") }]}
              >
                <Input maxLength={18} style={{ textTransform: "uppercase" }} />
              </Form.Item>
            </Col>
            <Col xs={24}>
              <Form.Item name="address" label={t("school.address")} rules={[{ max: 300 }]}>
                <Input />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item
                name="divisionCode"
                label={t("school.divisionCode")}
                extra={<DivisionName code={divisionCode} />}
                rules={[
                  { required: true, message: t("form.required") },
                  { pattern: /^\d{6}$/, message: t("school.divisionFormat") },
                ]}
              >
                <Input maxLength={6} inputMode="numeric" />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item name="parentCode" label={t("school.parentCode")} extra={t("school.parentHint")}>
                <Input maxLength={20} />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item
                name="supervisingUnitCode"
                label={t("school.supervisingUnit")}
                extra={t("school.supervisingDefault")}
              >
                <UnitPicker kind="department" valueField="code" />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item name="openedOn" label={t("school.openedOn")}>
                <DatePicker format="YYYY-MM-DD" style={{ width: "100%" }} />
              </Form.Item>
            </Col>
          </Row>
          <Button type="primary" htmlType="submit" loading={submitting}>
            {t("school.submitOpen")}
          </Button>
        </Form>
      </Card>
    </>
  );
}
