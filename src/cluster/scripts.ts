/**
 * The Lua scripts that keep the shared world in Redis. Each runs atomically:
 * a write checks the guild, changes its stored state, takes the guild's next
 * sequence number and publishes the event under that number, all in one
 * step, so the order of the stored state, the numbers and the messages can
 * never disagree. Keys (all under the prefix, `dback:` by default):
 *
 *   world          the world's epoch: a random name set when the world was (re)built;
 *                  gone after an empty restart, new after it is put back
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
 * update-clientid → the client id. A presence reads its data from the event
 * (not sent a second time: presences are the most frequent write).
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
  local d = cjson.decode(event).d
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
 * ARGV: prefix, guildId or '' for every guild. Returns the world's epoch
 * (false when Redis lost the world), then one entry per guild: guildId, info JSON, sequence number, client
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
return { redis.call('GET', p .. 'world'), out }
`;

/**
 * Offers an instance's picture of the world to a Redis that lost it (or lost
 * it since the instance last looked: the epoch changed). ARGV: prefix, a new
 * epoch (used only if there is none), then per guild: guildId, info JSON,
 * sequence number, client id ('' for none), members JSON. A guild is taken
 * only when the offer is newer than what Redis has (a higher number; removed
 * guilds keep their number, so a stale offer cannot bring one back). Every
 * instance offers, so each guild ends with the newest picture any instance
 * held, under the number it held it at, published as a put. Returns the epoch.
 */
export const RESTORE = `
local p = ARGV[1]
redis.call('SET', p .. 'world', ARGV[2], 'NX')
for i = 3, #ARGV, 5 do
  local g, info, offered, cid, members = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), ARGV[i + 3], ARGV[i + 4]
  if offered > tonumber(redis.call('HGET', p .. 'seq', g) or '0') then
    local mkey = p .. 'm:' .. g
    redis.call('HSET', p .. 'guilds', g, info)
    redis.call('DEL', mkey)
    for uid, user in pairs(cjson.decode(members)) do redis.call('HSET', mkey, uid, cjson.encode(user)) end
    if cid ~= '' then redis.call('HSET', p .. 'cid', g, cid) else redis.call('HDEL', p .. 'cid', g) end
    redis.call('HSET', p .. 'seq', g, offered)
    redis.call('PUBLISH', p .. 'events', '{"g":' .. cjson.encode(g) .. ',"s":' .. offered .. ',"e":{"t":"put","info":' .. info .. ',"members":' .. members .. (cid ~= '' and (',"cid":' .. cjson.encode(cid)) or '') .. '}}')
  end
end
return redis.call('GET', p .. 'world')
`;
