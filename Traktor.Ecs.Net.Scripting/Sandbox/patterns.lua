-- string.find, string.match, string.gmatch and string.gsub on the host's budgeted matcher
-- (Sandbox/LuaPattern.cs), with Lua 5.4's semantics. Lua's own matcher backtracks inside one C call,
-- where the count hook cannot stop it; the host's matcher charges every step to the running entry's
-- instruction budget and answers -2 when it is spent, and then this layer aborts the entry exactly as
-- the count hook does. Runs once per state, after sandbox.lua, before any script.
local scan, abort = ...

local type, error, tostring, select, rawtype = type, error, tostring, select, math.type
local sub, byte, rawfind, concat = string.sub, string.byte, string.find, table.concat
local tointeger, tonumber = math.tointeger, tonumber

local MODE_FIND, MODE_PLAIN, MODE_MATCH, MODE_ITERATE = 0, 1, 2, 3

-- Arguments are checked as lstrlib checks them (numbers convert to strings), with Lua's messages,
-- raised at the script's line (level 3: this helper, the library function, its caller).
local function checkString(value, arg, name)
  local t = type(value)
  if t == "string" then
    return value
  end
  if t == "number" then
    return tostring(value)
  end
  error("bad argument #" .. arg .. " to '" .. name .. "' (string expected, got " .. (value == nil and "no value" or t) .. ")", 3)
end

local function checkInteger(value, arg, name, default)
  if value == nil then
    return default
  end
  local n = tointeger(value)
  if n == nil then
    if type(value) == "number" or (type(value) == "string" and tonumber(value)) then
      error("bad argument #" .. arg .. " to '" .. name .. "' (number has no integer representation)", 3)
    end
    error("bad argument #" .. arg .. " to '" .. name .. "' (number expected, got " .. type(value) .. ")", 3)
  end
  return n
end

-- lstrlib's posrelatI: a relative start position clipped to [1, inf).
local function start(init, length)
  if init > 0 then
    return init
  elseif init == 0 or init < -length then
    return 1
  end
  return length + init + 1
end

-- A scan that did not answer: the budget is spent (abort the entry) or the pattern is malformed
-- (raised `level` levels up, at the script's line).
local function failed(code, message, level)
  if code == -2 then
    abort()
  end
  error(message, level)
end

-- One capture of a scan answer: (start, length) is a substring, length -2 a position capture and
-- length -1 a capture the pattern never closed (an error once its value is wanted, as in Lua).
local function capture(s, first, length)
  if length == -2 then
    return first
  elseif length == -1 then
    error("unfinished capture", 0)
  end
  return sub(s, first, first + length - 1)
end

-- The captures of a scan answer, as values.
local function captures(s, count, first, length, ...)
  if count == 0 then
    return
  end
  return capture(s, first, length), captures(s, count - 1, ...)
end

local function findResult(s, code, first, last, count, ...)
  if code == 1 then
    return first, last, captures(s, count, ...)
  elseif code == 0 then
    return nil
  end
  failed(code, first, 3)
end

local function matchResult(s, code, first, last, count, ...)
  if code == 1 then
    if count == 0 then
      return sub(s, first, last)
    end
    return captures(s, count, ...)
  elseif code == 0 then
    return nil
  end
  failed(code, first, 3)
end

function string.find(s, pattern, init, plain)
  s = checkString(s, 1, "find")
  pattern = checkString(pattern, 2, "find")
  local at = start(checkInteger(init, 3, "find", 1), #s)
  if at > #s + 1 then
    return nil
  end
  return findResult(s, scan(s, pattern, at, plain and MODE_PLAIN or MODE_FIND, -1))
end

function string.match(s, pattern, init)
  s = checkString(s, 1, "match")
  pattern = checkString(pattern, 2, "match")
  local at = start(checkInteger(init, 3, "match", 1), #s)
  if at > #s + 1 then
    return nil
  end
  return matchResult(s, scan(s, pattern, at, MODE_MATCH, -1))
end

function string.gmatch(s, pattern, init)
  s = checkString(s, 1, "gmatch")
  pattern = checkString(pattern, 2, "gmatch")
  local at = start(checkInteger(init, 3, "gmatch", 1), #s)
  if at > #s + 1 then
    -- Past the end: no match at all (not even an empty one).
    at = #s + 2
  end
  local lastMatch = -1
  local function step(code, first, last, count, ...)
    if code == 1 then
      at, lastMatch = last + 1, last
      if count == 0 then
        return sub(s, first, last)
      end
      return captures(s, count, ...)
    elseif code == 0 then
      at = #s + 2
      return nil
    end
    failed(code, first, 3)
  end
  return function()
    if at > #s + 1 then
      return nil
    end
    return step(scan(s, pattern, at, MODE_ITERATE, lastMatch))
  end
end

-- A replacement string, split once into literal text and capture references (%0 to %9; %% is a '%').
local function compileReplacement(replacement)
  local parts, at = {}, 1
  while true do
    local percent = rawfind(replacement, "%", at, true)
    if percent == nil then
      parts[#parts + 1] = sub(replacement, at)
      return parts
    end
    parts[#parts + 1] = sub(replacement, at, percent - 1)
    local c = byte(replacement, percent + 1)
    if c == 37 then
      parts[#parts + 1] = "%"
    elseif c ~= nil and c >= 48 and c <= 57 then
      parts[#parts + 1] = c - 48
    else
      error("invalid use of '%' in replacement string", 3)
    end
    at = percent + 2
  end
end

local function nthCapture(index, s, first, last, count, ...)
  if index == 0 or (index == 1 and count == 0) then
    return sub(s, first, last)
  end
  if index > count then
    error("invalid capture index %" .. index .. " in replacement string", 5)
  end
  return capture(s, select(2 * index - 1, ...))
end

-- One match's replacement text, or nil to keep the match as it is (a false or nil from a table or function).
local function replace(repl, kind, parts, s, first, last, count, ...)
  local value
  if kind == "function" then
    if count == 0 then
      value = repl(sub(s, first, last))
    else
      value = repl(captures(s, count, ...))
    end
  elseif kind == "table" then
    if count == 0 then
      value = repl[sub(s, first, last)]
    else
      value = repl[capture(s, ...)]
    end
  else
    local out = {}
    for i = 1, #parts do
      local part = parts[i]
      if type(part) == "number" then
        out[i] = tostring(nthCapture(part, s, first, last, count, ...))
      else
        out[i] = part
      end
    end
    return concat(out)
  end
  if not value then
    return nil
  end
  local t = type(value)
  if t == "string" then
    return value
  elseif t == "number" then
    return tostring(value)
  end
  error("invalid replacement value (a " .. t .. ")", 4)
end

function string.gsub(s, pattern, repl, n)
  s = checkString(s, 1, "gsub")
  pattern = checkString(pattern, 2, "gsub")
  local kind = type(repl)
  local parts
  if kind == "string" or kind == "number" then
    parts = compileReplacement(tostring(repl))
    kind = "string"
  elseif kind ~= "table" and kind ~= "function" then
    error("bad argument #3 to 'gsub' (string/function/table expected, got " .. (repl == nil and "no value" or kind) .. ")", 2)
  end
  local max = checkInteger(n, 4, "gsub", #s + 1)
  local anchored = byte(pattern, 1) == 94
  local out, pieces = {}, 0
  local at, lastMatch, count, changed = 1, -1, 0, false

  local function step(code, first, last, captureCount, ...)
    if code ~= 1 then
      if code ~= 0 then
        failed(code, first, 4)
      end
      return false
    end
    count = count + 1
    if first > at then
      pieces = pieces + 1
      out[pieces] = sub(s, at, first - 1)
    end
    local value = replace(repl, kind, parts, s, first, last, captureCount, ...)
    pieces = pieces + 1
    if value == nil then
      out[pieces] = sub(s, first, last)
    else
      out[pieces] = value
      changed = true
    end
    at, lastMatch = last + 1, last
    return true
  end

  while count < max and at <= #s + 1 do
    if not step(scan(s, pattern, at, MODE_MATCH, lastMatch)) or anchored then
      break
    end
  end
  if not changed then
    return s, count
  end
  pieces = pieces + 1
  out[pieces] = sub(s, at)
  return concat(out, "", 1, pieces), count
end
