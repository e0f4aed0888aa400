import os from 'node:os';

/** Who the audit log says made a change from the command line. */
export function cliActor(): string {
  let user = process.env.SUDO_USER || process.env.USER || '';
  try {
    user ||= os.userInfo().username;
  } catch {
    user ||= 'unknown';
  }
  return `cli:${user}`;
}
