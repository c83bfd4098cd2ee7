/**
 * The URL an admin opens to add the bot to a guild. d-back only reads, so it
 * asks for the `bot` scope and one permission: View Channels (1 << 10), which
 * it needs to see members' messages. The privileged intents are switched on
 * in the Developer Portal, not here.
 */
export const INVITE_PERMISSIONS = 1 << 10;

export function inviteUrl(applicationId: string): string {
  return `https://discord.com/oauth2/authorize?client_id=${applicationId}&scope=bot&permissions=${INVITE_PERMISSIONS}`;
}
