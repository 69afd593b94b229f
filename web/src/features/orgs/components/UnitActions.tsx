/**
 * What can be done to a unit, each as a form in a dialog: rename any unit; for a school also
 * edit its attributes, close, reopen, merge, move or delete. Buttons follow the unit's status
 * and the user's orgs:write permission; the API decides the rest and its answer is shown.
 */
import {
  DeleteOutlined,
  EditOutlined,
  FormOutlined,
  MergeCellsOutlined,
  NodeIndexOutlined,
  RollbackOutlined,
  StopOutlined,
} from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { App, Button, DatePicker, Form, Input } from "antd";
import type { Dayjs } from "dayjs";
import { useState } from "react";
import { useNavigate } from "react-router";
import type { Ownership, Unit } from "../../../shared/api/types";
import { ADMINISTRATIVE_KINDS } from "../../../shared/api/units";
import { toIsoDate } from "../../../shared/format/format";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { FormModal } from "../../../shared/ui/FormModal";
import { UnitPicker } from "../../../shared/ui/UnitPicker";
import {
  closeSchool,
  deleteSchool,
  invalidateOrgs,
  mergeSchool,
  moveSchool,
  renameUnit,
  reopenSchool,
  type SchoolUpdate,
  updateSchool,
} from "../api/orgs";
import { OwnershipRadio, RunningTypeSelect, StagesSelect } from "./SchoolFields";

type Action = "rename" | "edit" | "close" | "reopen" | "merge" | "move";

function EffectiveOn() {
  const { t } = useI18n();
  return (
    <Form.Item name="effectiveOn" label={t("action.effectiveOn")} extra={t("action.effectiveOnHint")}>
      <DatePicker format="YYYY-MM-DD" style={{ width: 200 }} />
    </Form.Item>
  );
}

interface Dated {
  effectiveOn?: Dayjs | null;
}

export function UnitActions({ unit }: { unit: Unit }) {
  const { t, tx } = useI18n();
  const { message, modal } = App.useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<Action | null>(null);
  const school = unit.school;
  const isSchool = unit.kind === "school" && school !== null;
  const active = unit.status === "active";
  const close = () => setOpen(null);
  const done = (key: Action) => () => {
    message.success(t("action.done", { action: tx(`action.${key}`, key) }));
    void invalidateOrgs(queryClient);
  };

  const confirmDelete = () =>
    modal.confirm({
      title: t("action.deleteTitle", { name: unit.name }),
      content: t("action.deleteConfirm"),
      okText: t("action.delete"),
      okButtonProps: { danger: true },
      cancelText: t("common.cancel"),
      onOk: async () => {
        try {
          await deleteSchool(unit.id);
        } catch (error) {
          message.error(error instanceof Error ? error.message : String(error));
          return;
        }
        message.success(t("action.deleted", { name: unit.name }));
        await invalidateOrgs(queryClient);
        navigate(unit.parentId ? `/units/${unit.parentId}/org` : "/");
      },
    });

  return (
    <>
      {active ? (
        <Button icon={<EditOutlined />} onClick={() => setOpen("rename")}>
          {t("action.rename")}
        </Button>
      ) : null}
      {isSchool && active ? (
        <>
          <Button icon={<FormOutlined />} onClick={() => setOpen("edit")}>
            {t("action.edit")}
          </Button>
          <Button icon={<NodeIndexOutlined />} onClick={() => setOpen("move")}>
            {t("action.move")}
          </Button>
          <Button icon={<MergeCellsOutlined />} onClick={() => setOpen("merge")}>
            {t("action.merge")}
          </Button>
          <Button icon={<StopOutlined />} danger onClick={() => setOpen("close")}>
            {t("action.close")}
          </Button>
        </>
      ) : null}
      {isSchool && !active ? (
        <Button icon={<RollbackOutlined />} onClick={() => setOpen("reopen")}>
          {t("action.reopen")}
        </Button>
      ) : null}
      {isSchool ? (
        <Button icon={<DeleteOutlined />} danger type="text" onClick={confirmDelete}>
          {t("action.delete")}
        </Button>
      ) : null}

      <FormModal<{ name: string } & Dated>
        open={open === "rename"}
        title={t("action.renameTitle", { name: unit.name })}
        formName="rename"
        fieldNames={["name", "effectiveOn"]}
        initialValues={{ name: unit.name }}
        onClose={close}
        onSuccess={done("rename")}
        onSubmit={(v) => renameUnit(unit.id, { name: v.name.trim(), effectiveOn: toIsoDate(v.effectiveOn) })}
      >
        <Form.Item
          name="name"
          label={t("action.newName")}
          rules={[{ required: true, whitespace: true, message: t("form.required") }, { max: 200 }]}
        >
          <Input />
        </Form.Item>
        <EffectiveOn />
      </FormModal>

      {school ? (
        <>
          <FormModal<
            {
              runningType: string;
              stages: string[];
              ownership: Ownership;
              creditCode?: string;
              address?: string;
              supervisingUnitCode?: string;
            } & Dated
          >
            open={open === "edit"}
            title={t("action.editTitle", { name: unit.name })}
            formName="edit-school"
            width={640}
            fieldNames={[
              "runningType",
              "stages",
              "ownership",
              "creditCode",
              "address",
              "supervisingUnitCode",
              "effectiveOn",
            ]}
            initialValues={{
              runningType: school.runningType,
              stages: school.stages,
              ownership: school.ownership,
              creditCode: school.creditCode ?? "",
              address: school.address ?? "",
            }}
            onClose={close}
            onSuccess={done("edit")}
            onSubmit={(v) => {
              // Only what changed is sent, so the history shows exactly what the clerk changed.
              const body: SchoolUpdate = { effectiveOn: toIsoDate(v.effectiveOn) };
              if (v.runningType !== school.runningType) body.runningType = v.runningType;
              if (JSON.stringify(v.stages) !== JSON.stringify(school.stages)) body.stages = v.stages;
              if (v.ownership !== school.ownership) body.ownership = v.ownership;
              const credit = v.creditCode?.trim() || null;
              if (credit !== school.creditCode) body.creditCode = credit;
              const address = v.address?.trim() || null;
              if (address !== school.address) body.address = address;
              if (v.supervisingUnitCode) body.supervisingUnitCode = v.supervisingUnitCode;
              return updateSchool(unit.id, body);
            }}
          >
            <Form.Item name="runningType" label={t("school.runningType")} rules={[{ required: true }]}>
              <RunningTypeSelect />
            </Form.Item>
            <Form.Item
              name="stages"
              label={t("school.stages")}
              rules={[{ required: true, type: "array", min: 1 }]}
            >
              <StagesSelect />
            </Form.Item>
            <Form.Item name="ownership" label={t("school.ownership")} rules={[{ required: true }]}>
              <OwnershipRadio />
            </Form.Item>
            <Form.Item
              name="creditCode"
              label={t("school.creditCode")}
              rules={[{ len: 18, message: t("school.creditCodeLength") }]}
            >
              <Input maxLength={18} style={{ textTransform: "uppercase" }} />
            </Form.Item>
            <Form.Item name="address" label={t("school.address")} rules={[{ max: 300 }]}>
              <Input />
            </Form.Item>
            <Form.Item
              name="supervisingUnitCode"
              label={t("school.supervisingUnit")}
              extra={t("action.supervisingHint")}
            >
              <UnitPicker kind="department" valueField="code" placeholder={t("action.unchanged")} />
            </Form.Item>
            <EffectiveOn />
          </FormModal>

          <FormModal<{ reason?: string } & Dated>
            open={open === "close"}
            title={t("action.closeTitle", { name: unit.name })}
            formName="close-school"
            fieldNames={["reason", "effectiveOn"]}
            okText={t("action.close")}
            danger
            onClose={close}
            onSuccess={done("close")}
            onSubmit={(v) =>
              closeSchool(unit.id, {
                reason: v.reason?.trim() || undefined,
                effectiveOn: toIsoDate(v.effectiveOn),
              })
            }
          >
            <Form.Item name="reason" label={t("action.reason")} rules={[{ max: 500 }]}>
              <Input.TextArea rows={3} />
            </Form.Item>
            <EffectiveOn />
          </FormModal>

          <FormModal<Dated>
            open={open === "reopen"}
            title={t("action.reopenTitle", { name: unit.name })}
            formName="reopen-school"
            fieldNames={["effectiveOn"]}
            okText={t("action.reopen")}
            onClose={close}
            onSuccess={done("reopen")}
            onSubmit={(v) => reopenSchool(unit.id, { effectiveOn: toIsoDate(v.effectiveOn) })}
          >
            <EffectiveOn />
          </FormModal>

          <FormModal<{ intoUnitId: number } & Dated>
            open={open === "merge"}
            title={t("action.mergeTitle", { name: unit.name })}
            formName="merge-school"
            fieldNames={["intoUnitId", "effectiveOn"]}
            okText={t("action.merge")}
            danger
            onClose={close}
            onSuccess={done("merge")}
            onSubmit={(v) =>
              mergeSchool(unit.id, { intoUnitId: v.intoUnitId, effectiveOn: toIsoDate(v.effectiveOn) })
            }
          >
            <Form.Item
              name="intoUnitId"
              label={t("action.mergeInto")}
              extra={t("action.mergeHint")}
              rules={[{ required: true, message: t("form.required") }]}
            >
              <UnitPicker kind="school" status="active" exclude={unit.id} />
            </Form.Item>
            <EffectiveOn />
          </FormModal>

          <FormModal<{ parentCode: string } & Dated>
            open={open === "move"}
            title={t("action.moveTitle", { name: unit.name })}
            formName="move-school"
            fieldNames={["parentCode", "effectiveOn"]}
            okText={t("action.move")}
            onClose={close}
            onSuccess={done("move")}
            onSubmit={(v) =>
              moveSchool(unit.id, { parentCode: v.parentCode, effectiveOn: toIsoDate(v.effectiveOn) })
            }
          >
            <Form.Item
              name="parentCode"
              label={t("action.moveTo")}
              extra={t("action.moveHint")}
              rules={[{ required: true, message: t("form.required") }]}
            >
              <UnitPicker kinds={[...ADMINISTRATIVE_KINDS]} valueField="code" />
            </Form.Item>
            <EffectiveOn />
          </FormModal>
        </>
      ) : null}
    </>
  );
}
