-- The sandbox prelude. It runs once per Lua state, before any script, with the whole standard
-- library open; it keeps in locals what the host needs (debug.sethook, debug.getlocal, the raw
-- coroutine and pcall functions) and then rebuilds the global environment as the sandbox. Nothing
-- defined here is reachable from a script afterwards: the debug library is gone, so no script can
-- read these upvalues.
--
-- Why Lua and not C#: a Lua error or yield is a longjmp, and .NET does not allow a longjmp across
-- managed frames. So every error and every yield is raised here, in Lua code, and the host's C#
-- functions only ever return values (ok, result) or (false, message).
local host = ...

local type, error, select, tostring = type, error, select, tostring
local rawget, rawequal, rawsetmetatable, getmetatable = rawget, rawequal, setmetatable, getmetatable
local pcall, xpcall, rawload, rawcollect = pcall, xpcall, load, collectgarbage
local sethook, getlocal = debug.sethook, debug.getlocal
local co_create, co_resume, co_yield = coroutine.create, coroutine.resume, coroutine.yield
local co_status, co_running, co_close, co_isyieldable = coroutine.status, coroutine.running, coroutine.close, coroutine.isyieldable
local string_byte, concat = string.byte, table.concat

local overBudget, charge, hostLog, interval, enter = host.overBudget, host.charge, host.log, host.hookInterval, host.enter
local rawrep, rawmove, rawinsert, rawremove, rawsort = string.rep, table.move, table.insert, table.remove, table.sort
local mathlog = math.log
local utf8len, utf8offset, utf8codepoint = utf8.len, utf8.offset, utf8.codepoint
local tointeger = math.tointeger
local rawtonumber = tonumber
local rawpack, rawunpack, rawpacksize, rawbyte = string.pack, string.unpack, string.packsize, string.byte
local rawtableunpack, rawconcat, rawdate = table.unpack, table.concat, os.date

-- The error object of a call that ran out of instructions. Every catcher below re-raises it, so a
-- script cannot swallow its own abort.
local ABORT = {}
-- What a host call yields to the host while it waits for a network answer (followed by a ticket).
local PENDING = {}

-- Count hook: every `interval` VM instructions the host counts the running entry's budget. Once it
-- is spent, the hook fires at every instruction, so the abort is raised again wherever the script
-- tries to continue (in a __close handler, after a pcall...).
local hook
hook = function()
  if overBudget() then
    sethook(co_running(), hook, "", 1)
    error(ABORT, 0)
  end
end

-- Aborts the running entry as the count hook does (for work done inside one library call).
local function abort()
  sethook(co_running(), hook, "", 1)
  error(ABORT, 0)
end

-- Charges `units` instructions of work a library call is about to do (or did) to the running entry.
local function budget(units)
  if units > 0 and charge(units) then
    abort()
  end
end

local function guard(thread)
  sethook(thread, hook, "", interval)
end

-- Threads that run script entries for the host; scripts may not resume or close them.
local hostThreads = rawsetmetatable({}, { __mode = "k" })

local function run(f, ...)
  local thread = co_running()
  hostThreads[thread] = true
  guard(thread)
  enter(thread)
  return f(...)
end

-- Calls Script:<name>(...). The seed writes handlers as `function Script:onPlayerJoined(self, params)`:
-- the colon adds an implicit self before the explicit one. So a handler whose second parameter is
-- named `self` receives (Script, Script, ...), making the seed's `params` the arguments; any other
-- handler receives (Script, ...) as usual.
local function entry(script, name, ...)
  local handler = rawget(script, name)
  if handler == nil then
    return
  end
  if type(handler) ~= "function" then
    error("Script." .. name .. " is a " .. type(handler) .. ", not a function", 0)
  end
  if getlocal(handler, 2) == "self" then
    return handler(script, script, ...)
  end
  return handler(script, ...)
end

local function rethrow(ok, ...)
  if not ok and rawequal((...), ABORT) then
    error(ABORT, 0)
  end
  return ok, ...
end

local function sandboxError(message, level)
  error("sandbox: " .. message, level + 1)
end

local function denied(library, allowed)
  return rawsetmetatable(allowed or {}, {
    __index = function(_, key)
      sandboxError(library .. "." .. tostring(key) .. " is not available", 2)
    end,
    __newindex = function()
      sandboxError(library .. " is not available", 2)
    end,
    __metatable = false,
  })
end

local function deniedFunction(name)
  return function()
    sandboxError(name .. " is not available", 2)
  end
end

-- Script coroutines that ended with an error, with their error object. Lua would run their pending
-- __close handlers in coroutine.close (and coroutine.wrap); the sandbox does not: when the error was
-- raised inside the count hook (the abort, a C stack overflow or a memory error there), Lua leaves
-- hooks switched off on that thread, and the handlers would run outside the instruction budget.
local failed = rawsetmetatable({}, { __mode = "k" })

-- Script coroutines: guarded by the same hook, and a host call waiting inside one is passed up to
-- the host and its answer passed back down, so network calls work inside script coroutines too.
--
-- enter(thread) tells the host which thread runs script code next, before a coroutine is resumed or closed and
-- again once it returned: the host sets that thread's count hook for the strings that live now (the longer the
-- longest, the more often it checks: comparing long strings is one slow instruction), and tightens the running
-- thread's at once when a longer string is made.
local function resumeIn(co, ...)
  enter(co)
  return co_resume(co, ...)
end

local function forward(co, ok, ...)
  enter(co_running())
  if ok and rawequal((...), PENDING) and co_status(co) == "suspended" then
    return forward(co, resumeIn(co, co_yield(...)))
  end
  if not ok and co_status(co) == "dead" then
    failed[co] = { (...) }
  end
  return rethrow(ok, ...)
end

local function checkScriptThread(co, name)
  if hostThreads[co] then
    sandboxError("coroutine." .. name .. " cannot touch a script entry's own coroutine", 3)
  end
end

local function closed(...)
  enter(co_running())
  return ...
end

local coroutineLibrary = {
  create = function(f)
    local co = co_create(f)
    guard(co)
    return co
  end,
  resume = function(co, ...)
    checkScriptThread(co, "resume")
    return forward(co, resumeIn(co, ...))
  end,
  close = function(co)
    checkScriptThread(co, "close")
    local failure = failed[co]
    if failure then
      return false, failure[1]
    end
    enter(co)
    return rethrow(closed(co_close(co)))
  end,
  status = co_status,
  running = co_running,
  isyieldable = co_isyieldable,
  yield = co_yield,
}

local function unwrap(ok, ...)
  if ok then
    return ...
  end
  error((...), 0)
end

coroutineLibrary.wrap = function(f)
  local co = coroutineLibrary.create(f)
  return function(...)
    return unwrap(coroutineLibrary.resume(co, ...))
  end
end

-- What a waiting host call does: yield (PENDING, ticket) to the host, which resumes it with
-- (ok, result). Returns (false, message) where Lua cannot yield; the caller raises it at the script's line.
local function await(ticket)
  if not co_isyieldable() then
    return false, "sandbox: a network call cannot wait inside a metamethod, a sort comparator or a string.gsub callback"
  end
  return co_yield(PENDING, ticket)
end

-- The sandbox's global environment.
local G = _G
local safeOs = { time = os.time, clock = os.clock, date = os.date, difftime = os.difftime }

G.io = denied("io")
G.debug = denied("debug")
G.package = denied("package")
G.os = denied("os", safeOs)
G.require = deniedFunction("require")
G.dofile = deniedFunction("dofile")
G.loadfile = deniedFunction("loadfile")
G.warn = deniedFunction("warn")
G.coroutine = coroutineLibrary
string.dump = nil

G.pcall = function(f, ...)
  return rethrow(pcall(f, ...))
end

G.xpcall = function(f, handler, ...)
  if type(handler) ~= "function" then
    error("bad argument #2 to 'xpcall' (function expected, got " .. type(handler) .. ")", 2)
  end
  return rethrow(xpcall(f, function(e)
    if rawequal(e, ABORT) then
      return e
    end
    -- Lua calls a message handler where the error was raised, before unwinding. When that was inside
    -- the count hook (a C stack overflow there), hooks are off on this thread until a pcall boundary
    -- restores them; so the handler runs on a fresh coroutine of its own, where the hook always counts.
    local co = co_create(handler)
    guard(co)
    local ok, result = resumeIn(co, e)
    enter(co_running())
    if ok and co_status(co) == "suspended" then
      return "sandbox: an xpcall message handler cannot yield or wait"
    end
    return result
  end, ...))
end

G.load = function(chunk, name, mode, env)
  if type(chunk) ~= "string" then
    sandboxError("load accepts source text only", 2)
  end
  if string_byte(chunk, 1) == 27 then
    sandboxError("binary chunks are not allowed", 2)
  end
  -- Compiling scans the whole text in C, and a long comment compiles to nothing: a step per 32 bytes, as a scan.
  budget(#chunk // 32)
  return rawload(chunk, name or "=(load)", "t", env == nil and G or env)
end

G.collectgarbage = function(option, ...)
  option = option or "collect"
  if option == "collect" or option == "step" then
    -- A collection walks the whole heap: a step per 64 bytes held.
    budget(1000 + (rawcollect("count") * 16) // 1)
    return rawcollect(option, ...)
  elseif option == "count" or option == "isrunning" then
    return rawcollect(option, ...)
  end
  sandboxError("collectgarbage('" .. tostring(option) .. "') is not available", 2)
end

-- A finalizer runs inside the garbage collector, where no hook can stop it: refuse __gc.
G.setmetatable = function(t, mt)
  if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
    sandboxError("__gc metamethods are not allowed", 2)
  end
  return rawsetmetatable(t, mt)
end

-- Library calls whose loops run in C, out of the count hook's sight, and are not bounded by the
-- memory limit: they charge their iterations to the budget first. (A length from `#t` can be huge
-- with a handful of entries, and setting nil into a missing key allocates nothing.)
string.rep = function(s, n, sep)
  -- An empty result is built by an empty loop n times long.
  if s == "" and (sep == nil or sep == "") and tointeger(n) then
    return ""
  end
  return rawrep(s, n, sep)
end

table.move = function(a1, f, e, t, a2)
  local first, last = tointeger(f), tointeger(e)
  if first and last and last >= first then
    budget(last - first + 1)
  end
  return rawmove(a1, f, e, t, a2)
end

-- Sorting compares in C, n log n times, for one CALL instruction (without a comparator the hook sees none of
-- it): 100,000 entries sorted in a loop ran for minutes. Charged a comparison per entry and level up front.
-- Without a comparator each comparison of two strings also reads them in C (strcoll, to their end when they
-- are equal): 2,000 references to two 3 MiB strings took seconds in one call, out of the hook's and the time
-- check's sight. So each comparison is charged a step per 32 bytes of the longest string too (as the allocator
-- charges bytes), found by a walk the hook counts. A comparator's `x < y` on two strings is one counted
-- instruction that reads them the same way (a 3 MiB pair each time: seconds between two time checks), so the
-- same charge applies with a comparator; entries shorter than 32 bytes cost nothing more either way.
table.sort = function(t, comp)
  if type(t) == "table" then
    local size = tointeger(#t)
    if size and size > 1 then
      local comparisons = size * (1 + mathlog(size, 2) // 1)
      budget(comparisons)
      local longest = 0
      for i = 1, size do
        local v = t[i]
        if type(v) == "string" and #v > longest then
          longest = #v
        end
      end
      budget(comparisons * (longest // 32))
    end
  end
  return rawsort(t, comp)
end

local function shifted(t, pos)
  if type(t) == "table" then
    local size, at = tointeger(#t), tointeger(pos)
    if size and at and size > at then
      budget(size - at)
    end
  end
end

table.insert = function(t, ...)
  if select("#", ...) == 2 then
    shifted(t, (...))
  end
  return rawinsert(t, ...)
end

table.remove = function(t, pos)
  if pos ~= nil then
    shifted(t, pos)
  end
  return rawremove(t, pos)
end

-- Linear scans that allocate nothing: a step per 32 bytes.
local function scanned(s)
  if type(s) == "string" then
    budget(#s // 32)
  end
end

utf8.len = function(s, ...)
  scanned(s)
  return utf8len(s, ...)
end

utf8.offset = function(s, ...)
  scanned(s)
  return utf8offset(s, ...)
end

utf8.codepoint = function(s, ...)
  scanned(s)
  return utf8codepoint(s, ...)
end

-- An integer argument as the library reads it (a numeral string converts); nil when it is none (the call raises).
local function integer(v, default)
  if v == nil then
    return default
  end
  if type(v) == "string" then
    budget(#v)
    v = rawtonumber(v)
  end
  return type(v) == "number" and tointeger(v) or nil
end

-- How many values or elements lie between positions first and last; nothing is charged past what the stack can take
-- (the call raises "too many results" at once).
local function counted(first, last)
  if first and last and last >= first and last - first < 1000000 then
    budget(last - first + 1)
  end
end

-- A format is read in C option by option, and some options do nothing (' ', '<', '>', '=', '!'): a format of 8 MB of
-- spaces was one CALL instruction, and string.unpack on it in a loop held a tick for 14 s past a 250 ms time budget.
-- Charged an instruction per byte of format, as a numeral (an honest format is a few bytes).
local function formatted(fmt)
  if type(fmt) == "string" then
    budget(#fmt)
  end
end

string.pack = function(fmt, ...)
  formatted(fmt)
  return rawpack(fmt, ...)
end

string.packsize = function(fmt)
  formatted(fmt)
  return rawpacksize(fmt)
end

string.unpack = function(fmt, ...)
  formatted(fmt)
  return rawunpack(fmt, ...)
end

safeOs.date = function(format, ...)
  formatted(format)
  return rawdate(format, ...)
end

-- Calls that push or walk as many values as their range says, in C, without allocating once the stack has grown:
-- s:byte(1, -1) on 400 KB, or table.unpack(t, 1, 400000), in a loop ran 100 ms to 700 ms past the time budget. Charged a
-- value per instruction, the range computed as the library does (relative positions clipped to the string).
string.byte = function(s, i, j)
  if type(s) == "string" then
    local length = #s
    local first = integer(i, 1)
    local last = integer(j, first)
    if first and last then
      if first < 0 then
        first = first < -length and 1 or length + first + 1
      elseif first == 0 then
        first = 1
      end
      if last < 0 then
        last = length + last + 1
      elseif last > length then
        last = length
      end
      counted(first, last)
    end
  end
  return rawbyte(s, i, j)
end

table.unpack = function(t, i, j)
  local first = integer(i, 1)
  if j == nil and first and type(t) == "table" then
    -- The length as the library takes it (__len runs once, here), passed on so that it is not taken twice.
    local last = tointeger(#t)
    counted(first, last)
    return rawtableunpack(t, first, last)
  end
  counted(first, integer(j, nil))
  return rawtableunpack(t, i, j)
end

table.concat = function(t, sep, i, j)
  local first = integer(i, 1)
  if j == nil and first and type(t) == "table" then
    local last = tointeger(#t)
    counted(first, last)
    return rawconcat(t, sep, first, last)
  end
  counted(first, integer(j, nil))
  return rawconcat(t, sep, i, j)
end

-- A numeral is read in C to its end, digit by digit, whatever its length: a 7 MiB string of digits took tens of
-- milliseconds a call, one instruction. Charged an instruction per byte (an honest numeral is a few bytes).
G.tonumber = function(v, ...)
  if type(v) == "string" then
    budget(#v)
  end
  return rawtonumber(v, ...)
end

G.print = function(...)
  local parts = {}
  for i = 1, select("#", ...) do
    parts[i] = tostring((select(i, ...)))
  end
  hostLog(2, concat(parts, "\t"))
end

-- The string metatable is shared by every string of the state: keep scripts from replacing it.
getmetatable("").__metatable = false

return { run = run, entry = entry, await = await, abort = abort, PENDING = PENDING, ABORT = ABORT }
