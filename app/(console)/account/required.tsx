import { Client } from "@/app/(console)/account/client";
import { ShowUrl } from "@/app/(console)/account/show-url";
import type { Operator } from "@/lib/auth/sessions";

/**
 * What the console layout shows, whatever the URL, to a user who must change their password: only the
 * password form. A layout cannot see which page it wraps, so rather than a redirect that would loop on
 * /account itself it renders the form and puts /account?required=1 in the address bar.
 */
export function PasswordRequired({ operator }: { operator: Operator }) {
  return (
    <>
      <ShowUrl href="/account?required=1" />
      <Client username={operator.username} role={operator.role} required />
    </>
  );
}
