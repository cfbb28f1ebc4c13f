"use client";

import { useEffect } from "react";

/** Shows `href` in the address bar without a navigation (the page already shows its content). */
export function ShowUrl({ href }: { href: string }) {
  useEffect(() => {
    if (`${window.location.pathname}${window.location.search}` !== href) window.history.replaceState(window.history.state, "", href);
  }, [href]);
  return null;
}
