-- The engine's networking script API, with the seed's names, argument orders and result shapes,
-- built on the host's primitives. Every primitive returns (true, result) or (false, message); a
-- waiting one returns (true, ticket), and the entry's coroutine then yields to the host until the
-- answer arrives, so `local response = http:get(url)` reads synchronously but never blocks the tick.
local api, await = ...

local error, select, setmetatable, tostring = error, select, setmetatable, tostring
local concat = table.concat

-- Errors are raised at level 3: 1 is this helper, 2 the method, 3 the script's line that called it.
-- (Methods therefore never tail-call these helpers: a tail call would remove the method's level.)
local function call(name, ...)
  local ok, result = api[name](...)
  if not ok then
    error(result, 3)
  end
  return result
end

local function wait(name, ...)
  local ok, ticket = api[name](...)
  if not ok then
    error(ticket, 3)
  end
  local done, result = await(ticket)
  if not done then
    error(result, 3)
  end
  return result
end

local function class(name)
  local methods = {}
  methods.__index = methods
  methods.__metatable = name
  methods.__tostring = function()
    return name
  end
  return methods
end

local HttpClient = class("HttpClient")

function HttpClient:get(url)
  local response = wait("httpGet", url)
  return response
end

function HttpClient:post(url, body, contentType)
  local response = wait("httpPost", url, body, contentType)
  return response
end

local Net = class("Net")

function Net:createHttpClient()
  return setmetatable({}, HttpClient)
end

local Online = class("Online")

function Online:login(username, password)
  local result = wait("login", username, password)
  return result
end

function Online:submitScore(leaderboard, score)
  local result = wait("submitScore", leaderboard, score)
  return result
end

function Online:getLeaderboard(leaderboard, count)
  local entries = wait("getLeaderboard", leaderboard, count)
  return entries
end

function Online:unlockAchievement(id)
  local result = wait("unlockAchievement", id)
  return result
end

function Online:getAchievements()
  local achievements = wait("getAchievements")
  return achievements
end

local Multiplayer = class("Multiplayer")

function Multiplayer:createSession(name, maxPlayers, host)
  local session = wait("createSession", name, maxPlayers, host)
  return session
end

function Multiplayer:joinSession(id)
  local session = wait("joinSession", id)
  return session
end

function Multiplayer:leaveSession()
  local left = wait("leaveSession")
  return left
end

function Multiplayer:rpc(name, params)
  call("rpc", name, params)
end

function Multiplayer:getStats()
  local stats = call("getStats")
  return stats
end

function Multiplayer:isMigrating()
  local migrating = call("isMigrating")
  return migrating
end

function Multiplayer:isEnded()
  local ended = call("isEnded")
  return ended
end

local Log = class("Log")

local function logAt(level)
  return function(_, ...)
    local parts = {}
    for i = 1, select("#", ...) do
      parts[i] = tostring((select(i, ...)))
    end
    call("log", level, concat(parts, " "))
  end
end

Log.debug = logAt(1)
Log.info = logAt(2)
Log.warn = logAt(3)
Log.error = logAt(4)

local NetConfig = {
  __index = function(_, key)
    local value = call("getNetConfig", key)
    return value
  end,
  __newindex = function(_, key, value)
    call("setNetConfig", key, value)
  end,
  __metatable = "NetConfig",
}

-- The host game's own functions (ScriptServices.Game): game.<name>(...), failing at the script's line.
local game = {}
local sub = string.sub
for key, primitive in next, api do
  if sub(key, 1, 5) == "game." then
    game[sub(key, 6)] = function(...)
      local ok, result = primitive(...)
      if not ok then
        error(result, 2)
      end
      return result
    end
  end
end

local multiplayer = setmetatable({}, Multiplayer)
context = {
  net = setmetatable({}, Net),
  online = setmetatable({}, Online),
  multiplayer = multiplayer,
}
_ENV.multiplayer = multiplayer
netConfig = setmetatable({}, NetConfig)
_ENV.game = game
log = setmetatable({}, Log)
Script = {}
