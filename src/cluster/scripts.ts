/**
 * The Lua scripts that keep the shared world in Redis. Each runs atomically:
 * a write checks the guild, changes its stored state, takes the guild's next
 * sequence number and publishes the event under that number, all in one
 * step, so the order of the stored state, the numbers and the messages can
 * never disagree. Keys (all under the prefix, `dback:` by default):
 *
 *   world          set while Redis holds the world (gone after an empty restart)
 *   guilds         hash guildId → GuildInfo JSON
 *   m:<guildId>    hash uid → User JSON
 *   cid            hash guildId → client id from `update-clientid`
 *   seq            hash guildId → last sequence number (never reset)
 *   fence:<name>   a lease's fencing counter (lease.ts)
 *   events         the pub/sub channel: {"g":guildId,"s":seq,"e":event}
 */

/** The shared head of every write: -1 when the world is missing, -2 when the fence is stale, 0 for an unknown guild. */
const head = `
local p = ARGV[1]
if redis.call('EXISTS', p .. 'world') == 0 then return -1 end
if ARGV[2] ~= '' and redis.call('GET', p .. 'fence:' .. ARGV[2]) ~= ARGV[3] then return -2 end
local g = ARGV[4]
local kind = ARGV[5]
local event = ARGV[6]
local known = redis.call('HEXISTS', p .. 'guilds', g) == 1
local mkey = p .. 'm:' .. g
`;

const publish = `
local s = redis.call('HINCRBY', p .. 'seq', g, 1)
redis.call('PUBLISH', p .. 'events', '{"g":' .. cjson.encode(g) .. ',"s":' .. s .. ',"e":' .. event .. '}')
return s
`;

/**
 * ARGV: prefix, fence name ('' for none), fence, guildId, kind, event JSON,
 * then by kind: put → info JSON, '1' when members follow, uid, user JSON, …;
 * presence → its data JSON; update-clientid → the client id.
 */
export const WRITE = `${head}
if kind == 'put' then
  redis.call('HSET', p .. 'guilds', g, ARGV[7])
  if ARGV[8] == '1' then
    redis.call('DEL', mkey)
    for i = 9, #ARGV, 2 do redis.call('HSET', mkey, ARGV[i], ARGV[i + 1]) end
  end
elseif not known then
  return 0
elseif kind == 'remove' then
  redis.call('HDEL', p .. 'guilds', g)
  redis.call('HDEL', p .. 'cid', g)
  redis.call('DEL', mkey)
elseif kind == 'update-clientid' then
  redis.call('HSET', p .. 'cid', g, ARGV[7])
elseif kind == 'presence' then
  local d = cjson.decode(ARGV[7])
  local old = redis.call('HGET', mkey, d.uid)
  if d.delete == true then
    if old then redis.call('HDEL', mkey, d.uid) end
  elseif old then
    local u = cjson.decode(old)
    u.status = d.status
    if d.username then u.username = d.username end
    if d.roleColor then u.roleColor = d.roleColor end
    redis.call('HSET', mkey, d.uid, cjson.encode(u))
  elseif d.username then
    redis.call('HSET', mkey, d.uid, cjson.encode({ uid = d.uid, username = d.username, status = d.status, roleColor = d.roleColor or '#ffffff' }))
  end
end
${publish}`;

/**
 * ARGV: prefix, guildId or '' for every guild. Returns whether the world is
 * there, then one entry per guild: guildId, info JSON, sequence number, client
 * id (or false), and the member hash as a flat list. Read in one step, so the
 * number says exactly which events the state already contains.
 */
export const SNAPSHOT = `
local p = ARGV[1]
local ids = {}
if ARGV[2] == '' then ids = redis.call('HKEYS', p .. 'guilds') else ids = { ARGV[2] } end
local out = {}
for _, g in ipairs(ids) do
  local info = redis.call('HGET', p .. 'guilds', g)
  if info then
    local s = redis.call('HGET', p .. 'seq', g) or '0'
    out[#out + 1] = { g, info, s, redis.call('HGET', p .. 'cid', g), redis.call('HGETALL', p .. 'm:' .. g) }
  end
end
return { redis.call('EXISTS', p .. 'world'), out }
`;

/**
 * Puts an instance's picture of the world back into a Redis that lost it.
 * ARGV: prefix, then per guild: guildId, info JSON, sequence number, client id
 * ('' for none), members JSON. Guilds Redis already has are left alone (an
 * instance that restored first wins); numbering goes on from the highest
 * number any instance had, and each guild put back is published as a put.
 */
export const RESTORE = `
local p = ARGV[1]
for i = 2, #ARGV, 5 do
  local g, info, seen, cid, members = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), ARGV[i + 3], ARGV[i + 4]
  if redis.call('HSETNX', p .. 'guilds', g, info) == 1 then
    local mkey = p .. 'm:' .. g
    redis.call('DEL', mkey)
    for uid, user in pairs(cjson.decode(members)) do redis.call('HSET', mkey, uid, cjson.encode(user)) end
    if cid ~= '' then redis.call('HSET', p .. 'cid', g, cid) end
    local now = tonumber(redis.call('HGET', p .. 'seq', g) or '0')
    if seen > now then redis.call('HSET', p .. 'seq', g, seen) end
    local s = redis.call('HINCRBY', p .. 'seq', g, 1)
    redis.call('PUBLISH', p .. 'events', '{"g":' .. cjson.encode(g) .. ',"s":' .. s .. ',"e":{"t":"put","info":' .. info .. ',"members":' .. members .. (cid ~= '' and (',"cid":' .. cjson.encode(cid)) or '') .. '}}')
  end
end
redis.call('SET', p .. 'world', '1')
return 1
`;
