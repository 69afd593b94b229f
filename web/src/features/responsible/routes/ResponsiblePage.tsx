/**
 * The register of responsible persons of one unit: for every system (学籍, 教师, 资助…) a
 * leader and an operator. Administrative units keep theirs on their education department,
 * so for a county the page offers its departments.
 */
import { useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Form, Input, Select, Space, Table, Tag } from "antd";
import { useState } from "react";
import { Link } from "react-router";
import { useSelectedUnit } from "../../../shared/api/selected-unit";
import { ADMINISTRATIVE_KINDS, useChildren } from "../../../shared/api/units";
import { codeLabel, useCodeSet } from "../../../shared/code-sets/code-sets";
import { formatDate } from "../../../shared/format/format";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { useCan } from "../../../shared/session/session";
import { FormModal } from "../../../shared/ui/FormModal";
import { PageTitle } from "../../../shared/ui/PageTitle";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import {
  assignPerson,
  type Duty,
  type ResponsiblePerson,
  removePerson,
  useResponsiblePersons,
} from "../api/responsible";

const DUTIES: Duty[] = ["leader", "operator"];

interface Slot {
  key: string;
  system: string;
  systemLabel: string;
  duty: Duty;
  person: ResponsiblePerson | undefined;
}

interface PersonForm {
  name: string;
  position?: string;
  phone: string;
  email?: string;
}

function Register({ unitId, unitName }: { unitId: number; unitName: string }) {
  const { t, locale } = useI18n();
  const can = useCan();
  const { message, modal } = App.useApp();
  const queryClient = useQueryClient();
  const systems = useCodeSet("responsible_system");
  const { data, isPending, error } = useResponsiblePersons(unitId);
  const [editing, setEditing] = useState<Slot | null>(null);
  const writable = can("responsible:write");
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["responsible"] });

  const slots: Slot[] = (systems.data?.items ?? [])
    .filter((s) => s.isActive)
    .flatMap((system) =>
      DUTIES.map((duty) => ({
        key: `${system.code}/${duty}`,
        system: system.code,
        systemLabel: codeLabel(system, locale),
        duty,
        person: data?.items.find((p) => p.system === system.code && p.duty === duty),
      })),
    );

  const remove = (slot: Slot) =>
    modal.confirm({
      title: t("responsible.removeTitle", { name: slot.person?.name ?? "" }),
      okButtonProps: { danger: true },
      okText: t("common.delete"),
      cancelText: t("common.cancel"),
      onOk: async () => {
        try {
          await removePerson(unitId, slot.system, slot.duty);
          message.success(t("common.saved"));
          refresh();
        } catch (failure) {
          message.error(failure instanceof Error ? failure.message : String(failure));
        }
      },
    });

  return (
    <Card size="small" title={t("responsible.registerOf", { name: unitName })}>
      <ProblemAlert error={error} />
      <Table<Slot>
        size="small"
        rowKey="key"
        loading={isPending || systems.isPending}
        dataSource={slots}
        pagination={false}
        columns={[
          {
            key: "system",
            title: t("responsible.system"),
            dataIndex: "systemLabel",
            onCell: (_, index) => ({ rowSpan: (index ?? 0) % 2 === 0 ? 2 : 0 }),
          },
          {
            key: "duty",
            title: t("responsible.duty"),
            render: (_, slot) => t(`responsible.duty.${slot.duty}`),
          },
          {
            key: "name",
            title: t("responsible.name"),
            render: (_, slot) => slot.person?.name ?? <Tag color="orange">{t("responsible.missing")}</Tag>,
          },
          { key: "position", title: t("responsible.position"), render: (_, slot) => slot.person?.position },
          { key: "phone", title: t("responsible.phone"), render: (_, slot) => slot.person?.phone },
          { key: "email", title: t("responsible.email"), render: (_, slot) => slot.person?.email },
          {
            key: "updatedAt",
            title: t("responsible.updatedAt"),
            render: (_, slot) => formatDate(slot.person?.updatedAt),
          },
          ...(writable
            ? [
                {
                  key: "actions",
                  title: t("common.actions"),
                  render: (_: unknown, slot: Slot) => (
                    <Space size={0}>
                      <Button type="link" size="small" onClick={() => setEditing(slot)}>
                        {slot.person ? t("common.edit") : t("responsible.assign")}
                      </Button>
                      {slot.person ? (
                        <Button type="link" size="small" danger onClick={() => remove(slot)}>
                          {t("common.delete")}
                        </Button>
                      ) : null}
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      {editing ? (
        <FormModal<PersonForm>
          open
          title={`${editing.systemLabel} · ${t(`responsible.duty.${editing.duty}`)}`}
          formName="responsible-person"
          fieldNames={["name", "position", "phone", "email"]}
          initialValues={{
            name: editing.person?.name ?? "",
            position: editing.person?.position ?? "",
            email: editing.person?.email ?? "",
            // A masked number (with *) cannot be sent back; the clerk then types it again.
            phone: editing.person?.phone.includes("*") ? "" : (editing.person?.phone ?? ""),
          }}
          onClose={() => setEditing(null)}
          onSuccess={() => {
            message.success(t("common.saved"));
            refresh();
          }}
          onSubmit={(v) =>
            assignPerson(unitId, editing.system, editing.duty, {
              name: v.name.trim(),
              position: v.position?.trim() || null,
              phone: v.phone.trim(),
              email: v.email?.trim() || null,
            })
          }
        >
          <Form.Item
            name="name"
            label={t("responsible.name")}
            rules={[{ required: true, whitespace: true, message: t("form.required") }, { max: 100 }]}
          >
            <Input />
          </Form.Item>
          <Form.Item name="position" label={t("responsible.position")} rules={[{ max: 100 }]}>
            <Input />
          </Form.Item>
          <Form.Item
            name="phone"
            label={t("responsible.phone")}
            extra={
              editing.person?.phone.includes("*")
                ? t("responsible.phoneRetype", { phone: editing.person.phone })
                : undefined
            }
            rules={[
              { required: true, message: t("form.required") },
              { pattern: /^[0-9+-]{7,20}$/, message: t("responsible.phoneFormat") },
            ]}
          >
            <Input inputMode="tel" />
          </Form.Item>
          <Form.Item name="email" label={t("responsible.email")} rules={[{ type: "email" }]}>
            <Input inputMode="email" />
          </Form.Item>
        </FormModal>
      ) : null}
    </Card>
  );
}

export function ResponsiblePage() {
  const { t } = useI18n();
  const { unit } = useSelectedUnit();
  const administrative = ADMINISTRATIVE_KINDS.has(unit.kind);
  const departments = useChildren(unit.id, { kind: "department", page: 1, pageSize: 50 }, administrative);
  // The choice belongs to one unit: moving to another unit starts from its education department.
  const [choice, setChoice] = useState<{ unitId: number; id: number }>();
  const chosen = choice?.unitId === unit.id ? choice.id : undefined;
  const options = (departments.data?.items ?? []).map((d) => ({ value: d.id, label: d.name }));
  const education = departments.data?.items.find((d) => d.departmentType === "education");
  const targetId = administrative ? (chosen ?? education?.id ?? departments.data?.items[0]?.id) : unit.id;
  const targetName = options.find((o) => o.value === targetId)?.label ?? unit.name;
  return (
    <>
      <PageTitle
        title={t("responsible.title")}
        sub={unit.name}
        extra={<Link to="/responsible/missing">{t("menu.responsibleMissing")}</Link>}
      />
      {administrative ? (
        <Space style={{ marginBottom: 16 }} wrap>
          <label htmlFor="responsible-department">{t("responsible.department")}</label>
          <Select<number>
            id="responsible-department"
            style={{ width: 280 }}
            loading={departments.isPending}
            value={targetId}
            onChange={(id) => setChoice({ unitId: unit.id, id })}
            options={options}
          />
        </Space>
      ) : null}
      {administrative && departments.data && departments.data.items.length === 0 ? (
        <Alert type="info" showIcon title={t("responsible.noDepartment")} />
      ) : targetId ? (
        <Register unitId={targetId} unitName={targetName} />
      ) : null}
    </>
  );
}
