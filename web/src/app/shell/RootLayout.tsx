import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { Outlet, useLocation, useNavigate } from "react-router";
import { onAuthEvent } from "../../shared/api/auth-events";

/** Follows the API's verdicts on the session from whichever page asked: sign in again, or change the password. */
export function RootLayout() {
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();
  useEffect(
    () =>
      onAuthEvent((event) => {
        if (event === "signed-out") {
          if (location.pathname === "/login") return;
          // Data of the ended session must not show to whoever signs in next.
          queryClient.removeQueries();
          const next = `${location.pathname}${location.search}`;
          navigate(`/login${next === "/" ? "" : `?next=${encodeURIComponent(next)}`}`, { replace: true });
        } else if (location.pathname !== "/change-password") {
          navigate("/change-password", { replace: true });
        }
      }),
    [navigate, location, queryClient],
  );
  return <Outlet />;
}
