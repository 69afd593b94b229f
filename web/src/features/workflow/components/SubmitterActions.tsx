/**
 * What the submitting unit may still do, when the API says so: withdraw the request (before any
 * decision, or while it lies returned), or resubmit a returned request with corrected values.
 */
import { RollbackOutlined, SendOutlined } from "@ant-design/icons";
import { App, Button, DatePicker, Form, Input, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { isProblem } from "../../../shared/api/problem";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { FormModal } from "../../../shared/ui/FormModal";
import { applyNestedProblemToForm } from "../../../shared/ui/form-errors";
import { type ActionResult, type RequestDetail, resubmitRequest, withdrawRequest } from "../api/workflow";
import { STALE_CODES } from "./DecisionForm";

const DATE_KEYS = new Set(["from", "until", "effectiveOn", "birthDate"]);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

type FormValue = string | Dayjs | null | undefined | Record<string, string | Dayjs | null | undefined>;

/** The text fields of a payload (ids and flags stay as submitted), dates as pickers. */
function editableFields(payload: Record<string, unknown>): { name: string[]; value: unknown }[] {
  const fields: { name: string[]; value: unknown }[] = [];
  for (const [key, value] of Object.entries(payload)) {
    if (typeof value === "string") fields.push({ name: [key], value });
    else if (value && typeof value === "object" && !Array.isArray(value)) {
      for (const [inner, v] of Object.entries(value as Record<string, unknown>))
        if (typeof v === "string") fields.push({ name: [key, inner], value: v });
    }
  }
  return fields;
}

function toFormValue(key: string, value: unknown): FormValue {
  if (typeof value === "string" && DATE_KEYS.has(key) && ISO_DATE.test(value)) return dayjs(value);
  return value as FormValue;
}

function fromFormValue(value: unknown): unknown {
  if (dayjs.isDayjs(value)) return value.format("YYYY-MM-DD");
  if (typeof value === "string") return value.trim();
  return value;
}

export function SubmitterActions({
  request,
  onDone,
  onStale,
}: {
  request: RequestDetail;
  onDone: (result: ActionResult, action: "withdraw" | "resubmit") => void;
  onStale: (error: unknown) => void;
}) {
  const { t, tx } = useI18n();
  const { message } = App.useApp();
  const [open, setOpen] = useState<"withdraw" | "resubmit" | null>(null);
  const fields = editableFields(request.payload);
  const initial: Record<string, FormValue> = {};
  for (const { name, value } of fields) {
    const [first, second] = name;
    if (first === undefined) continue;
    if (second === undefined) initial[first] = toFormValue(first, value);
    else {
      const nested = (initial[first] ?? {}) as Record<string, string | Dayjs | null | undefined>;
      nested[second] = toFormValue(second, value) as string | Dayjs | null | undefined;
      initial[first] = nested;
    }
  }
  /** A stale version is not a form error: the page reloads and says who acted first. */
  const guard = async <T,>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (isProblem(error) && STALE_CODES.has(error.code)) {
        setOpen(null);
        onStale(error);
      }
      throw error;
    }
  };

  return (
    <>
      {request.allowedActions.includes("resubmit") ? (
        <Button type="primary" icon={<SendOutlined />} onClick={() => setOpen("resubmit")}>
          {t("workflow.resubmit")}
        </Button>
      ) : null}
      {request.allowedActions.includes("withdraw") ? (
        <Button danger icon={<RollbackOutlined />} onClick={() => setOpen("withdraw")}>
          {t("workflow.withdraw")}
        </Button>
      ) : null}

      <FormModal<{ reason?: string }, ActionResult>
        open={open === "withdraw"}
        title={t("workflow.withdrawTitle", { title: request.title })}
        formName="withdraw-request"
        fieldNames={["reason"]}
        okText={t("workflow.withdraw")}
        danger
        onClose={() => setOpen(null)}
        onSubmit={(values) =>
          guard(() =>
            withdrawRequest(request.id, {
              expectedVersion: request.version,
              ...(values.reason?.trim() ? { reason: values.reason.trim() } : {}),
            }),
          )
        }
        onSuccess={(result) => {
          message.success(t("workflow.withdrawn"));
          onDone(result, "withdraw");
        }}
      >
        <Typography.Paragraph>{t("workflow.withdrawConfirm")}</Typography.Paragraph>
        <Form.Item name="reason" label={t("workflow.withdrawReason")} rules={[{ max: 1000 }]}>
          <Input.TextArea rows={2} maxLength={1000} />
        </Form.Item>
      </FormModal>

      <FormModal<Record<string, FormValue>, ActionResult>
        open={open === "resubmit"}
        title={t("workflow.resubmitTitle", { title: request.title })}
        formName="resubmit-request"
        fieldNames={fields.map((f) => f.name.join("."))}
        initialValues={initial}
        okText={t("workflow.resubmit")}
        width={640}
        onClose={() => setOpen(null)}
        placeProblem={(form, error) =>
          applyNestedProblemToForm(
            form,
            error,
            fields.map((f) => f.name.join(".")),
          )
        }
        onSubmit={(values) => {
          // Ids and flags are kept; the edited texts and dates replace the submitted ones.
          const payload: Record<string, unknown> = structuredClone(request.payload);
          for (const { name } of fields) {
            const [first, second] = name;
            if (first === undefined) continue;
            const raw = values[first];
            if (second === undefined) payload[first] = fromFormValue(raw);
            else if (raw && typeof raw === "object" && !dayjs.isDayjs(raw)) {
              (payload[first] as Record<string, unknown>)[second] = fromFormValue(raw[second]);
            }
          }
          return guard(() => resubmitRequest(request.id, { expectedVersion: request.version, payload }));
        }}
        onSuccess={(result) => {
          message.success(t("workflow.resubmitted"));
          onDone(result, "resubmit");
        }}
      >
        <Typography.Paragraph type="secondary">{t("workflow.resubmitHelp")}</Typography.Paragraph>
        {fields.map(({ name }) => {
          const key = name.at(-1) ?? "";
          const label = name.length > 1 ? tx(`student.${key}`, key) : tx(`payload.${key}`, key);
          return (
            <Form.Item key={name.join(".")} name={name} label={label}>
              {DATE_KEYS.has(key) ? (
                <DatePicker format="YYYY-MM-DD" style={{ width: "100%" }} />
              ) : key === "reason" || key === "note" ? (
                <Input.TextArea rows={2} maxLength={1000} />
              ) : (
                <Input maxLength={300} />
              )}
            </Form.Item>
          );
        })}
      </FormModal>
    </>
  );
}
