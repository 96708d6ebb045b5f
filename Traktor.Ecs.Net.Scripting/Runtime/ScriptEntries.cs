using System.Diagnostics;
using KeraLua;

namespace Traktor.Ecs.Net.Scripting.Runtime;

/// <summary>
/// Runs a script's entries (main chunk, <c>update</c>, RPC handlers) as Lua coroutines, one each.
/// An entry that calls the network yields <c>(PENDING, ticket)</c> and is parked with its
/// <see cref="PendingCall"/>; <see cref="Tick"/> resumes it once the answer is there. Nothing here ever
/// blocks: the tick thread only starts, resumes and polls.
/// </summary>
internal sealed class ScriptEntries
{
    private readonly LuaScript _script;
    private readonly List<EntryThread> _waiting = new();
    private readonly List<EntryThread> _ready = new();
    private readonly Dictionary<long, PendingCall> _issued = new();
    private long _nextTicket;
    private long _tick;
    private EntryThread? _running;

    // The thread running script code now, as far as the host knows: the entry it resumed, or the thread the sandbox last
    // named with enter() (kept alive by a registry slot until the next). Zero outside a resume.
    private IntPtr _current;

    /// <summary>Bytes of memory growth charged as one instruction (as a scan charges one per 32 bytes read).</summary>
    public const long GrowthBytesPerInstruction = 32;

    /// <summary>
    /// The most string bytes the count hook lets be compared between two of its checks: its interval is at most this over
    /// the longest live string (<see cref="Sandbox.LuaMemory.LongestString"/>), and at least 1. Comparing strings of NUL bytes,
    /// the slowest, costs about 24 ns a byte (Lua's <c>l_strcmp</c> calls <c>strcoll</c> once per NUL-separated piece), so
    /// this bounds what one check's window can add past the time budget to about 100 ms.
    /// </summary>
    public const long ComparisonWindowBytes = 4 * 1024 * 1024;

    public ScriptEntries(LuaScript script)
    {
        _script = script;
        script.Memory.Meter = ChargeGrowth;
        script.Memory.LongerString = Tighten;
    }

    /// <summary>The count hook's interval for the strings that live now (1 once the running entry is spent).</summary>
    public int HookInterval
    {
        get
        {
            if (_running is { } entry && (entry.AbortedAt is not null || entry.SpentInAllocation))
            {
                return 1;
            }

            long longest = _script.Memory.LongestString;
            int interval = _script.Options.HookInterval;
            return longest == 0 ? interval : (int)Math.Clamp(ComparisonWindowBytes / longest, 1, interval);
        }
    }

    /// <summary>
    /// The sandbox is about to run script code on <paramref name="thread"/> (see <c>enter</c> in sandbox.lua): sets its count
    /// hook's interval for the strings that live now and notes it as the running thread.
    /// </summary>
    public void Enter(IntPtr thread)
    {
        _current = thread;
        Tune(thread, tightenOnly: false);
    }

    // A string longer than any other live one was just made: the running thread's hook must not wait out its interval,
    // which was set for shorter strings. Called by the allocator.
    private void Tighten()
    {
        if (_current != IntPtr.Zero)
        {
            Tune(_current, tightenOnly: true);
        }
    }

    // Sets the thread's count hook to HookInterval (only a shorter one when tightenOnly); a thread without one is left alone.
    private void Tune(IntPtr thread, bool tightenOnly)
    {
        int mask = LuaNative.lua_gethookmask(thread);
        if ((mask & (int)LuaHookMask.Count) == 0)
        {
            return;
        }

        int count = LuaNative.lua_gethookcount(thread);
        int interval = HookInterval;
        if (interval == count || (tightenOnly && interval > count))
        {
            return;
        }

        LuaNative.lua_sethook(thread, LuaNative.lua_gethook(thread), mask, interval);
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
    /// Counts the count hook's interval (<see cref="HookInterval"/> when it was set) against the running entry
    /// (called by the count hook); true once the entry's budget for this tick is spent.
    /// </summary>
    public bool OverBudget(Lua thread)
    {
        var entry = _running;
        if (entry is null)
        {
            return false;
        }

        // The interval that just ran out (the hook's interval changes with the strings that live).
        entry.Instructions += Math.Max(1, LuaNative.lua_gethookcount(thread.Handle));
        if (Spent(entry, thread))
        {
            return true;
        }

        Tune(thread.Handle, tightenOnly: false);
        return false;
    }

    /// <summary>
    /// Instructions the running entry may still use this tick (the whole budget outside an entry); what a
    /// budgeted library call (a pattern match) may spend before it stops.
    /// </summary>
    public long Remaining => Math.Max(0, _script.Options.InstructionBudget - (_running?.Instructions ?? 0));

    /// <summary>
    /// Charges <paramref name="units"/> instructions of work done inside a library call (pattern steps,
    /// elements moved) to the running entry; true once its budget for this tick is spent.
    /// </summary>
    public bool Charge(Lua thread, long units)
    {
        var entry = _running;
        if (entry is null)
        {
            return false;
        }

        entry.Instructions += units;
        return Spent(entry, thread);
    }

    /// <summary>
    /// Charges <paramref name="bytes"/> of memory growth to the running entry (called by the allocator, so it must not
    /// call into Lua: where the entry was is noted by the count hook, which aborts it at its next check); true once the
    /// entry is past its instruction or time budget for this tick.
    /// </summary>
    // Without it, a loop building a 3 MiB string per call (s:upper()) ran 8.7 s past a 250 ms time budget, and the
    // instruction budget allowed 90 s of such copies: every call is one instruction (LibraryWorkBudgetTests).
    public bool ChargeGrowth(long bytes)
    {
        var entry = _running;
        if (entry is null)
        {
            return false;
        }

        entry.Instructions += bytes / GrowthBytesPerInstruction;
        if (!IsSpent(entry, out bool outOfTime))
        {
            return false;
        }

        if (entry.AbortedAt is null && !entry.SpentInAllocation)
        {
            entry.OutOfTime = outOfTime;
        }

        entry.SpentInAllocation = true;
        return true;
    }

    // True once the entry is past its instruction budget or its time budget for this tick; the first
    // time, it notes where the entry was and which budget stopped it.
    private bool Spent(EntryThread entry, Lua thread)
    {
        if (!IsSpent(entry, out bool outOfTime))
        {
            return false;
        }

        if (entry.AbortedAt is null)
        {
            entry.AbortedAt = _script.Locate(thread, 1);
            if (!entry.SpentInAllocation)
            {
                entry.OutOfTime = outOfTime;
            }
        }

        return true;
    }

    private bool IsSpent(EntryThread entry, out bool outOfTime)
    {
        bool outOfInstructions = entry.Instructions > _script.Options.InstructionBudget;
        outOfTime = !outOfInstructions && entry.RanBefore + (Stopwatch.GetTimestamp() - entry.ResumedAt) > TimeBudgetTicks;
        return outOfInstructions || outOfTime;
    }

    private long TimeBudgetTicks => (long)Math.Min(long.MaxValue / 2.0, _script.Options.TimeBudget.TotalSeconds * Stopwatch.Frequency);

    /// <summary>Starts an entry: <paramref name="pushFunctionAndArguments"/> pushes what <c>run</c> calls and returns how many values it pushed.</summary>
    public void Start(string name, Func<Lua, int> pushFunctionAndArguments)
    {
        if (_waiting.Count >= _script.Options.MaxWaitingEntries)
        {
            _script.Report(new ScriptError(_script.Name, _script.Name, 0, ScriptErrorKind.Limit,
                $"{_waiting.Count} entries are already waiting (MaxWaitingEntries); '{name}' was not run", name));
            return;
        }

        var state = _script.State;
        var thread = state.NewThread();
        int reference = state.Ref(LuaRegistry.Index);
        var entry = new EntryThread(thread, reference, name);
        thread.RawGetInteger(LuaRegistry.Index, _script.RunReference);
        int arguments;
        try
        {
            arguments = pushFunctionAndArguments(thread);
        }
        catch (ScriptCallException refused)
        {
            // An argument the host made is refused before it is built (a string over MaxLuaStringBytes): nothing ran.
            state.Unref(LuaRegistry.Index, reference);
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
            Finish(entry);
        }

        CancelUnclaimed();
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
            LuaStatus status;
            int results;
            _running = entry;
            _current = entry.Thread.Handle;
            Tune(_current, tightenOnly: false);
            _script.Memory.Rearm();
            _script.Memory.Enforcing = true;
            entry.ResumedAt = Stopwatch.GetTimestamp();
            try
            {
                status = entry.Thread.Resume(_script.State, arguments, out results);
            }
            finally
            {
                entry.RanBefore += Stopwatch.GetTimestamp() - entry.ResumedAt;
                _script.Memory.Enforcing = false;
                _running = null;
                _current = IntPtr.Zero;
            }

            if (status != LuaStatus.Yield)
            {
                CancelUnclaimed();
                // A failed entry is dropped as it is, like any Lua coroutine that ends with an error: its
                // pending __close handlers do not run. Running them (lua_closethread) is not safe here: when
                // the error was raised inside the count hook, Lua leaves hooks switched off on that thread,
                // so the handlers would run outside the instruction budget.
                if (status != LuaStatus.OK)
                {
                    _script.ReportFailure(entry, status);
                }

                Finish(entry);
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

    private void Finish(EntryThread entry)
    {
        if (entry.Waiting)
        {
            entry.Waiting = false;
            _waiting.Remove(entry);
        }

        entry.Call?.Cancel();
        entry.Call = null;
        _script.State.Unref(LuaRegistry.Index, entry.Reference);
    }
}
