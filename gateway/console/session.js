// What the logged-in key is and may do, from GET /api/v1/me.

/** The session: me is {tenant, key_id, role, roles} once logged in. */
export const session = { me: null };

/** True when the session's role includes role (read < member < admin). */
export function can(role) {
  return !!session.me && session.me.roles.includes(role);
}
