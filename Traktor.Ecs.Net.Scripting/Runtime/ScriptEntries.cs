using System.Diagnostics;
using KeraLua;
using Traktor.Ecs.Net.Scripting.Sandbox;

namespace Traktor.Ecs.Net.Scripting.Runtime;

/// <summary>
/// Runs a script's entries (main chunk, <c>update</c>, RPC handlers) as Lua coroutines, one each at a time: a coroutine
/// whose entry returned is reused for a later entry (<see cref="IdleThreads"/>).
/// An entry that calls the network yields <c>(PENDING, ticket)</c> and is parked with its
/// <see cref="PendingCall"/>; <see cref="Tick"/> resumes it once the answer is there. Nothing here ever
/// blocks: the tick thread only starts, resumes and polls.
/// </summary>
internal sealed partial class ScriptEntries
{
    /// <summary>
    /// The most finished coroutines kept for the next entries. One is enough for entries that run to the end one after
    /// another (every <c>update</c>, every <c>LuaScript.Call</c> that does not wait); a few more cover a tick's RPC handlers
    /// that wait. Each holds a Lua thread (about 1 KiB, counted in the script's memory) while idle.
    /// </summary>
    public const int IdleThreads = 4;

    private readonly LuaScript _script;
    private readonly EntryThread[] _idle = new EntryThread[IdleThreads];
    private int _idleCount;
    private readonly List<EntryThread> _waiting = new();
    private readonly List<EntryThread> _ready = new();
    private readonly Dictionary<long, PendingCall> _issued = new();
    private long _nextTicket;
    private long _tick;
    private EntryThread? _running;

    public ScriptEntries(LuaScript script)
    {
        _script = script;
        script.Memory.Meter = ChargeGrowth;
        script.Memory.CostlierString = Tighten;
    }

    /// <summary>Entries waiting for an answer or for the next tick.</summary>
    public int WaitingCount => _waiting.Count;

    /// <summary>Registers a call an entry is about to wait for; the ticket travels through Lua and back.</summary>
    public long Issue(PendingCall call)
    {
        long ticket = ++_nextTicket;
        _issued.Add(ticket, call);
        return ticket;
    }

    /// <summary>
    /// Starts an entry: <paramref name="pushFunctionAndArguments"/> pushes what <c>run</c> calls (from <paramref name="context"/>)
    /// and returns how many values it pushed.
    /// </summary>
    public void Start<TContext>(string name, TContext context, Func<Lua, TContext, int> pushFunctionAndArguments)
    {
        if (_waiting.Count >= _script.Options.MaxWaitingEntries)
        {
            _script.Report(new ScriptError(_script.Name, _script.Name, 0, ScriptErrorKind.Limit,
                $"{_waiting.Count} entries are already waiting (MaxWaitingEntries); '{name}' was not run", name));
            return;
        }

        var entry = Rent(name);
        var thread = entry.Thread;
        thread.RawGetInteger(LuaRegistry.Index, _script.RunReference);
        int arguments;
        try
        {
            arguments = pushFunctionAndArguments(thread, context);
        }
        catch (ScriptCallException refused)
        {
            // An argument the host made is refused before it is built (a string over MaxLuaStringBytes): nothing ran, so
            // the coroutine is as it was.
            Finish(entry, returned: true);
            _script.Report(_script.HostError(refused, name));
            return;
        }

        Resume(entry, arguments);
    }

    /// <summary>Resumes every waiting entry whose answer arrived, and those that waited for this tick.</summary>
    public void Tick()
    {
        _tick++;
        _ready.Clear();
        _ready.AddRange(_waiting);
        foreach (var entry in _ready)
        {
            if (!entry.Waiting)
            {
                continue;
            }

            if (entry.Call is null)
            {
                Resume(entry, 0);
            }
            else if (entry.Call.TryComplete(out var result, out string? error))
            {
                entry.Call = null;
                Resume(entry, PushAnswer(entry.Thread, result, error));
            }
        }

        _ready.Clear();
    }

    /// <summary>Gives up every waiting entry (the script is being unloaded).</summary>
    public void CancelAll()
    {
        foreach (var entry in _waiting.ToArray())
        {
            Finish(entry, returned: false);
        }

        CancelUnclaimed();
        Array.Clear(_idle);
        _idleCount = 0;
    }

    // A finished entry's coroutine when one is idle, else a new one (lua_newthread and KeraLua's wrapper of it).
    private EntryThread Rent(string name)
    {
        if (_idleCount > 0)
        {
            var idle = _idle[--_idleCount];
            _idle[_idleCount] = null!;
            idle.Begin(name);
            return idle;
        }

        var state = _script.State;
        var thread = state.NewThread();
        int reference = state.Ref(LuaRegistry.Index);
        return new EntryThread(thread, reference, name);
    }

    private void Resume(EntryThread entry, int arguments)
    {
        var options = _script.Options;
        while (true)
        {
            if (entry.Tick != _tick)
            {
                entry.Tick = _tick;
                entry.Instructions = 0;
                entry.SpentInAllocation = false;
                entry.RanBefore = 0;
                entry.Resumes = 0;
            }

            entry.Resumes++;
            if (!LuaCollation.IsStillByteOrder())
            {
                // Native code changed the collation since the script loaded: the comparison cost model no longer holds, so
                // no script code runs (run on, each comparison could cost up to 150 ns a byte). Dropped as a failed entry is.
                CancelUnclaimed();
                _script.Report(new ScriptError(_script.Name, _script.Name, 0, ScriptErrorKind.Collation, LuaCollation.ChangedMessage(entry.Name), entry.Name));
                Finish(entry, returned: false);
                return;
            }

            LuaStatus status;
            int results;
            var outer = BeginRun(entry, fresh: true);
            try
            {
                status = entry.Thread.Resume(_script.State, arguments, out results);
            }
            finally
            {
                EndRun(entry, outer);
            }

            if (status != LuaStatus.Yield)
            {
                // A failed entry's coroutine is never reused: when the error was raised inside the count hook, Lua
                // leaves hooks switched off on that thread (lua_closethread does not switch them back on). Its pending
                // __close handlers run when the script raised the error itself (Close); not after a budget abort.
                if (status != LuaStatus.OK)
                {
                    _script.ReportFailure(entry, status);
                    if (entry.AbortedAt is null && !entry.SpentInAllocation)
                    {
                        Close(entry);
                    }
                }

                // After the close handlers: a call one of them issued cannot be waited for there (no yield across
                // lua_closethread), so it is given up with the entry's own (a join gives its seat back).
                CancelUnclaimed();
                Finish(entry, returned: status == LuaStatus.OK);
                return;
            }

            entry.Call = TakeYield(entry.Thread, results);
            CancelUnclaimed();
            if (!entry.Waiting)
            {
                entry.Waiting = true;
                _waiting.Add(entry);
            }

            // An answer that is already there (an in-process service) is delivered now, a few times per tick at most.
            if (entry.Call is null || entry.Resumes >= options.MaxResumesPerTick || !entry.Call.TryComplete(out var result, out string? error))
            {
                return;
            }

            entry.Call = null;
            arguments = PushAnswer(entry.Thread, result, error);
        }
    }

    private PendingCall? TakeYield(Lua thread, int results)
    {
        PendingCall? call = null;
        int first = thread.GetTop() - results + 1;
        if (results >= 2)
        {
            thread.RawGetInteger(LuaRegistry.Index, _script.PendingReference);
            bool pending = thread.RawEqual(first, -1);
            thread.Pop(1);
            if (pending && thread.IsInteger(first + 1) && _issued.Remove(thread.ToInteger(first + 1), out var issued))
            {
                call = issued;
            }
        }

        thread.Pop(results);
        return call;
    }

    // A call issued during a resume that did not end in its yield (the script raised an error in between) is dropped.
    /// <summary>
    /// Makes <paramref name="entry"/> the one running: the count hook, the memory meter and its time account follow it until
    /// <see cref="EndRun"/>. A <paramref name="fresh"/> run (a resume, not its close handlers) first tunes the hook's
    /// interval and re-arms the memory budget. Returns the entries the hook served before, for <see cref="EndRun"/>.
    /// </summary>
    private ScriptEntries? BeginRun(EntryThread entry, bool fresh)
    {
        _running = entry;
        _current = entry.Thread.Handle;
        if (fresh)
        {
            Tune(_current, tightenOnly: false);
            _script.Memory.Rearm();
        }

        _script.Memory.Enforcing = true;
        var outer = CountHook.Enter(this);
        entry.ResumedAt = Stopwatch.GetTimestamp();
        return outer;
    }

    /// <summary>Ends <see cref="BeginRun"/>: the hook serves <paramref name="outer"/> again and the entry's time is counted.</summary>
    private void EndRun(EntryThread entry, ScriptEntries? outer)
    {
        CountHook.Leave(outer);
        entry.RanBefore += Stopwatch.GetTimestamp() - entry.ResumedAt;
        _script.Memory.Enforcing = false;
        _running = null;
        _current = IntPtr.Zero;
    }

    private void CancelUnclaimed()
    {
        if (_issued.Count == 0)
        {
            return;
        }

        foreach (var call in _issued.Values)
        {
            call.Cancel();
        }

        _issued.Clear();
    }

    // The answer the entry's call resumes with: (true, result), or (false, message), which the API raises at the script's line.
    // A result holding a string over MaxLuaStringBytes (an HTTP body) is refused before it is built, as a Limit error.
    private int PushAnswer(Lua thread, in ScriptValue result, string? error)
    {
        long max = _script.Options.MaxLuaStringBytes;
        int top = thread.GetTop();
        if (error is null)
        {
            thread.PushBoolean(true);
            try
            {
                LuaValues.Push(thread, result, max);
                return 2;
            }
            catch (ScriptCallException refused)
            {
                thread.SetTop(top);
                error = refused.Message;
            }
        }

        thread.PushBoolean(false);
        LuaValues.PushMessage(thread, error, max);
        return 2;
    }

    // Ends an entry. Its coroutine is kept for the next entry only when the thread's status is OK (it returned normally, or
    // never started: Lua then runs a new function on it as on a new thread) and it was never found spent; one that failed,
    // or waits and is given up, is dropped as it is (see Resume) and collected.
    private void Finish(EntryThread entry, bool returned)
    {
        if (entry.Waiting)
        {
            entry.Waiting = false;
            _waiting.Remove(entry);
        }

        entry.Call?.Cancel();
        entry.Call = null;
        if (returned && entry.Reusable && _idleCount < IdleThreads && entry.Thread.Status == LuaStatus.OK)
        {
            entry.Thread.SetTop(0); // its results, or what a refused start had pushed
            _idle[_idleCount++] = entry;
            return;
        }

        _script.State.Unref(LuaRegistry.Index, entry.Reference);
    }
}
