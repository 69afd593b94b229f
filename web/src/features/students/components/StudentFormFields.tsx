/**
 * The registration form's inputs, one per template field, in the template's groups: code sets
 * as searchable selects, dates as pickers (YYYY-MM-DD), yes/no as switches, division codes with
 * their names shown as typed. Client rules catch the obvious; the API checks everything again
 * and its field errors are placed on these same fields.
 */
import { Card, Col, DatePicker, Form, type FormInstance, Input, Row, Switch } from "antd";
import type { Rule } from "antd/es/form";
import { useDivision } from "../../../shared/api/divisions";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { UnitPicker } from "../../../shared/ui/UnitPicker";
import {
  type FieldGroup,
  GROUPS,
  IDENTITY_PATTERN,
  identityCheckOk,
  PHONE_PATTERN,
  STUDENT_FIELDS,
  type StudentFieldDef,
} from "./fields";
import { CodeSelect, GradeSelect } from "./StudentTags";

function DivisionName({ code }: { code: string | undefined }) {
  const { t } = useI18n();
  const county = code && /^\d{6}/.test(code) ? code.slice(0, 6) : undefined;
  const { data, isError } = useDivision(county);
  if (!county) return <span>{t("student.divisionHint")}</span>;
  if (data) return <span>{data.name}</span>;
  if (isError) return <span>{t("student.divisionUnknown")}</span>;
  return <span>…</span>;
}

function DivisionField({ field, form }: { field: StudentFieldDef; form: FormInstance }) {
  const { t, tx } = useI18n();
  const value = Form.useWatch(field.key, form) as string | undefined;
  const digits = field.kind === "division12" ? 12 : 6;
  return (
    <Form.Item
      name={field.key}
      label={tx(`student.${field.key}`, field.key)}
      extra={<DivisionName code={value} />}
      rules={[
        { required: field.required, message: t("form.required") },
        {
          pattern: digits === 12 ? /^\d{12}$/ : /^\d{6}$/,
          message: digits === 12 ? t("student.division12Format") : t("student.divisionFormat"),
        },
      ]}
    >
      <Input maxLength={digits} inputMode="numeric" />
    </Form.Item>
  );
}

function fieldRules(field: StudentFieldDef, t: ReturnType<typeof useI18n>["t"]): Rule[] {
  const rules: Rule[] = [];
  if (field.required && field.kind !== "yesNo") {
    // Only text takes `whitespace`: any key besides `required` makes the validator check for a
    // string, and a date picker's value is an object.
    rules.push(
      field.kind === "text"
        ? { required: true, whitespace: true, message: t("form.required") }
        : { required: true, message: t("form.required") },
    );
  }
  if (field.maxLength)
    rules.push({ max: field.maxLength, message: t("student.tooLong", { max: field.maxLength }) });
  if (field.kind === "phone") rules.push({ pattern: PHONE_PATTERN, message: t("student.phoneFormat") });
  return rules;
}

function FieldInput({ field, form }: { field: StudentFieldDef; form: FormInstance }) {
  const { t, tx } = useI18n();
  const label = tx(`student.${field.key}`, field.key);
  const rules = fieldRules(field, t);
  switch (field.kind) {
    case "division":
    case "division12":
      return <DivisionField field={field} form={form} />;
    case "code":
      return (
        <Form.Item name={field.key} label={label} rules={rules}>
          {field.codeSet === "grade" ? <GradeSelect /> : <CodeSelect codeSet={field.codeSet ?? ""} />}
        </Form.Item>
      );
    case "date":
      return (
        <Form.Item name={field.key} label={label} rules={rules}>
          <DatePicker format="YYYY-MM-DD" style={{ width: "100%" }} />
        </Form.Item>
      );
    case "month":
      return (
        <Form.Item name={field.key} label={label} rules={rules}>
          <DatePicker picker="month" format="YYYY-MM" style={{ width: "100%" }} />
        </Form.Item>
      );
    case "yesNo":
      return (
        <Form.Item name={field.key} label={label} valuePropName="checked">
          <Switch checkedChildren={t("common.yes")} unCheckedChildren={t("common.no")} />
        </Form.Item>
      );
    case "document":
      return (
        <Form.Item name={field.key} label={label} rules={rules} normalize={(v: string) => v?.toUpperCase()}>
          <Input maxLength={field.maxLength} autoComplete="off" />
        </Form.Item>
      );
    default:
      return (
        <Form.Item name={field.key} label={label} rules={rules}>
          <Input maxLength={field.maxLength} inputMode={field.kind === "phone" ? "tel" : undefined} />
        </Form.Item>
      );
  }
}

/** The identity number with its own rules: required unless the document type is "other". */
function IdentityNumberField({ form }: { form: FormInstance }) {
  const { t } = useI18n();
  const documentType = Form.useWatch("idDocumentType", form) as string | undefined;
  return (
    <Form.Item
      name="identityNumber"
      label={t("student.identityNumber")}
      required={documentType !== "Z"}
      dependencies={["idDocumentType"]}
      normalize={(v: string) => v?.toUpperCase()}
      extra={t("student.identityHint")}
      rules={[
        ({ getFieldValue }) => ({
          validator: (_, raw: string | undefined) => {
            const type = getFieldValue("idDocumentType") as string | undefined;
            const value = raw?.trim() ?? "";
            if (!value) {
              return type && type !== "Z" ? Promise.reject(new Error(t("form.required"))) : Promise.resolve();
            }
            if (type === "1" && !IDENTITY_PATTERN.test(value))
              return Promise.reject(new Error(t("student.identityFormat")));
            if (type === "1" && !identityCheckOk(value))
              return Promise.reject(new Error(t("student.identityCheck")));
            return Promise.resolve();
          },
        }),
      ]}
    >
      <Input
        maxLength={30}
        autoComplete="off"
        onBlur={() => form.validateFields(["identityNumber"]).catch(() => {})}
      />
    </Form.Item>
  );
}

export function StudentFormFields({
  form,
  withSchool,
  schoolOptions = [],
}: {
  form: FormInstance;
  withSchool: boolean;
  /** The school already chosen (the selected unit), so the picker shows its name at once. */
  schoolOptions?: { value: string; label: string }[];
}) {
  const { t } = useI18n();
  const section = (group: FieldGroup) =>
    STUDENT_FIELDS.filter((f) => f.group === group).filter((f) => f.key !== "schoolCode" || withSchool);
  return (
    <>
      {GROUPS.map((group) => (
        <Card key={group} size="small" title={t(`student.group.${group}`)} style={{ marginBottom: 16 }}>
          {group === "guardians" ? (
            <Row gutter={24}>
              {[1, 2].map((n) => (
                <Col key={n} xs={24} xl={12}>
                  <fieldset style={{ border: 0, margin: 0, padding: 0 }}>
                    <legend style={{ fontSize: 14, fontWeight: 600, marginBottom: 8 }}>
                      {t("student.guardianN", { n })}
                    </legend>
                    <Row gutter={16}>
                      {section(group)
                        .filter((f) => f.key.startsWith(`guardian${n}`))
                        .map((field) => (
                          <Col key={field.key} xs={24} md={12}>
                            <FieldInput field={field} form={form} />
                          </Col>
                        ))}
                    </Row>
                  </fieldset>
                </Col>
              ))}
            </Row>
          ) : (
            <Row gutter={16}>
              {section(group).map((field) => (
                <Col
                  key={field.key}
                  xs={24}
                  md={12}
                  xl={field.kind === "text" && field.maxLength === 200 ? 12 : 8}
                >
                  {field.key === "identityNumber" ? (
                    <IdentityNumberField form={form} />
                  ) : field.key === "schoolCode" ? (
                    <Form.Item
                      name="schoolCode"
                      label={t("student.school")}
                      rules={[{ required: true, message: t("form.required") }]}
                    >
                      <UnitPicker
                        kind="school"
                        status="active"
                        valueField="code"
                        initialOptions={schoolOptions}
                      />
                    </Form.Item>
                  ) : (
                    <FieldInput field={field} form={form} />
                  )}
                </Col>
              ))}
            </Row>
          )}
        </Card>
      ))}
    </>
  );
}
