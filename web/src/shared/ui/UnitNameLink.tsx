import { Link } from "react-router";
import { useUnit } from "../api/units";
import { useI18n } from "../i18n/I18nProvider";

/** A unit referred to by id (supervisor, merge target); outside the user's scope it stays an id. */
export function UnitNameLink({ id }: { id: number | null | undefined }) {
  const { t } = useI18n();
  const { data, isError } = useUnit(id ?? undefined);
  if (!id) return null;
  if (data) return <Link to={`/units/${id}/detail`}>{data.unit.name}</Link>;
  return <span>{isError ? t("unit.outsideScope", { id }) : "…"}</span>;
}
