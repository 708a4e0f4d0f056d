"""The Lua scripts of the Redis backend: each one round trip, atomic, and idempotent.

Every script that changes a file checks the writer lock's token on the server (fencing:
a holder whose lock expired can never overwrite a newer commit) and records a receipt
key ``done:<token>``; a retry of a script whose reply was lost finds the receipt and
reports success instead of applying the change twice or reporting a lost race.

Result codes: ``1`` done, ``0`` another writer holds the path (or our lock is lost),
``-1`` the file exists (mode ``x``), ``-2`` the file is missing, ``-3`` staging is
incomplete, ``-4`` another writer holds the other path. All keys of one call share one hash slot (see ``_redis_keys``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

__all__ = [
    "ABORT",
    "COMMIT",
    "COPY",
    "DELETE_LOCKED",
    "LOCK",
    "MOVE",
    "OPEN",
    "RANGE",
    "RENEW",
    "STAGE",
    "WRITE",
    "Script",
]


@dataclass(frozen=True)
class Script:
    source: str
    sha: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha", hashlib.sha1(self.source.encode()).hexdigest())


# The metadata of data key d, meta key m: {etag, size, modified_ms}, or false if missing.
# A string value without metadata (written by aiofs 1.0 or another client) is adopted:
# it gets a fresh etag and keeps its time to live. (Each script carries only the helpers
# it uses: defining a Lua function costs on every call.)
_META = """
local function meta(d, m)
  local v = redis.call('HMGET', m, 'e', 's', 't')
  if v[1] then
    if redis.call('EXISTS', d) == 1 then return v end
    redis.call('DEL', m)
    return false
  end
  if redis.call('TYPE', d)['ok'] ~= 'string' then return false end
  local t = redis.call('TIME')
  local e = 'adopted-' .. t[1] .. '-' .. t[2]
  local s = tostring(redis.call('STRLEN', d))
  local ms = t[1] .. string.sub(string.format('%06d', tonumber(t[2])), 1, 3)
  redis.call('HSET', m, 'e', e, 's', s, 't', ms)
  local ttl = redis.call('PTTL', d)
  if ttl > 0 then redis.call('PEXPIRE', m, ttl) end
  return {e, s, ms}
end
"""
_EXPIRE = """
local function expire(d, m, ms)
  if ms > 0 then
    redis.call('PEXPIRE', d, ms)
    redis.call('PEXPIRE', m, ms)
  else
    redis.call('PERSIST', d)
    redis.call('PERSIST', m)
  end
end
"""

#: KEYS data, meta; ARGV head (bytes to return with the metadata).
#: -> false | {etag, size, modified_ms, head bytes}
OPEN = Script(
    _META
    + """
local v = meta(KEYS[1], KEYS[2])
if not v then return false end
local head = tonumber(ARGV[1])
local body = ''
if head > 0 and tonumber(v[2]) > 0 then
  body = redis.call('GETRANGE', KEYS[1], 0, head - 1)
end
return {v[1], v[2], v[3], body}
"""
)

#: KEYS data, meta; ARGV etag, start, end (inclusive) -> bytes, or false if replaced.
RANGE = Script(
    """
if redis.call('HGET', KEYS[2], 'e') ~= ARGV[1] then return false end
return redis.call('GETRANGE', KEYS[1], ARGV[2], ARGV[3])
"""
)

#: KEYS data, lock, stage; ARGV token, ttl_ms, mode -> size of the next version so far
#: (mode a: the old content, copied server-side), or -1 (x: exists), -2 (r+: missing),
#: -4 (another writer holds the lock). Taking our own lock again (a retry) is a no-op.
LOCK = Script(
    """
local held = redis.call('GET', KEYS[2])
if held ~= ARGV[1] then
  local mode = ARGV[3]
  if mode == 'x' and redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
  if mode == 'r+' and redis.call('EXISTS', KEYS[1]) == 0 then return -2 end
  if held then return -4 end
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
end
if ARGV[3] == 'a' and redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('COPY', KEYS[1], KEYS[3], 'REPLACE')
  redis.call('PEXPIRE', KEYS[3], ARGV[2])
  return redis.call('STRLEN', KEYS[3])
end
return 0
"""
)

#: KEYS lock, stage; ARGV token, offset, data, ttl_ms -> 1, or 0 if the lock is lost.
#: SETRANGE at an explicit offset, never APPEND: a retried command must be idempotent.
STAGE = Script(
    """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SETRANGE', KEYS[2], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1
"""
)

#: KEYS lock, stage; ARGV token, ttl_ms -> 1 if the lock is still ours (renewed), else 0.
RENEW = Script(
    """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
"""
)

#: KEYS lock, stage; ARGV token. Releases our lock (only ours) and drops our staging.
ABORT = Script(
    """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
redis.call('DEL', KEYS[2])
return 1
"""
)

#: KEYS data, meta, lock, stage, done; ARGV token, offset, tail, total, mode, expiry_ms,
#: receipt_ms, now_ms. Stages the tail and swaps the next version in.
COMMIT = Script(
    _EXPIRE
    + """
if redis.call('EXISTS', KEYS[5]) == 1 then return 1 end
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return 0 end
if ARGV[5] == 'x' and redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('DEL', KEYS[3], KEYS[4])
  return -1
end
if #ARGV[3] > 0 then redis.call('SETRANGE', KEYS[4], ARGV[2], ARGV[3]) end
local n = redis.call('STRLEN', KEYS[4])
if n ~= tonumber(ARGV[4]) then return -3 end
if n > 0 or redis.call('EXISTS', KEYS[4]) == 1 then
  redis.call('RENAME', KEYS[4], KEYS[1])
else
  redis.call('SET', KEYS[1], '')
end
redis.call('HSET', KEYS[2], 'e', ARGV[1], 's', tostring(n), 't', ARGV[8])
expire(KEYS[1], KEYS[2], tonumber(ARGV[6]))
redis.call('DEL', KEYS[3])
redis.call('SET', KEYS[5], '1', 'PX', ARGV[7])
return 1
"""
)

#: KEYS data, meta, lock, done; ARGV token, data, expiry_ms, receipt_ms, now_ms. The
#: one-round-trip write: refused while a writer holds the lock, else data and meta are
#: set atomically.
WRITE = Script(
    """
if redis.call('EXISTS', KEYS[4]) == 1 then return 1 end
if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
local ms = tonumber(ARGV[3])
if ms > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ms)
else
  redis.call('SET', KEYS[1], ARGV[2])
end
redis.call('HSET', KEYS[2], 'e', ARGV[1], 's', tostring(#ARGV[2]), 't', ARGV[5])
if ms > 0 then redis.call('PEXPIRE', KEYS[2], ms) else redis.call('PERSIST', KEYS[2]) end
redis.call('SET', KEYS[4], '1', 'PX', ARGV[4])
return 1
"""
)

#: KEYS src data, src meta, dst data, dst meta, dst lock, done; ARGV token, expiry_ms,
#: receipt_ms, now_ms. Server-side copy, refused while dst has a writer.
COPY = Script(
    _META
    + _EXPIRE
    + """
if redis.call('EXISTS', KEYS[6]) == 1 then return 1 end
local v = meta(KEYS[1], KEYS[2])
if not v then return -2 end
if redis.call('EXISTS', KEYS[5]) == 1 then return 0 end
redis.call('COPY', KEYS[1], KEYS[3], 'REPLACE')
redis.call('HSET', KEYS[4], 'e', ARGV[1], 's', v[2], 't', ARGV[4])
expire(KEYS[3], KEYS[4], tonumber(ARGV[2]))
redis.call('SET', KEYS[6], '1', 'PX', ARGV[3])
return 1
"""
)

#: KEYS src data, src meta, src lock, dst data, dst meta, dst lock, done; ARGV receipt_ms.
#: Atomic move (RENAME of data and meta), refused while src (0) or dst (-4) has a writer.
MOVE = Script(
    _META
    + """
if redis.call('EXISTS', KEYS[7]) == 1 then return 1 end
local v = meta(KEYS[1], KEYS[2])
if not v then return -2 end
if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
if redis.call('EXISTS', KEYS[6]) == 1 then return -4 end
redis.call('RENAME', KEYS[1], KEYS[4])
redis.call('RENAME', KEYS[2], KEYS[5])
redis.call('SET', KEYS[7], '1', 'PX', ARGV[1])
return 1
"""
)

#: KEYS data, meta, lock; ARGV token. Deletes a file whose lock we hold, and the lock.
DELETE_LOCKED = Script(
    """
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return 1
"""
)
