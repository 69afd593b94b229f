import { useOutletContext } from "react-router";
import type { UnitWithAncestors } from "./types";

/**
 * The unit chosen in the URL (/units/:unitId/…). The unit layout has already loaded it (and
 * shown "not found or outside your scope" if the API refused), so pages below it always get one.
 */
export function useSelectedUnit(): UnitWithAncestors {
  return useOutletContext<UnitWithAncestors>();
}
