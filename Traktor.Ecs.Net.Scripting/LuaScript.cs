using System.Text;
using KeraLua;
using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Scripting.Rpc;
using Traktor.Ecs.Net.Scripting.Runtime;
using Traktor.Ecs.Net.Scripting.Sandbox;

namespace Traktor.Ecs.Net.Scripting;

/// <summary>
/// One loaded script: its own sandboxed Lua 5.4 state (memory-limited), its <c>Script</c> table of
/// handlers, and its entries in flight. Created by <see cref="LuaScriptSystem"/>, which ticks it; all
/// access is from the tick thread.
/// </summary>
public sealed partial class LuaScript : IDisposable
{
    private readonly LuaMemory _memory;
    private readonly Lua _lua;
    private readonly ILogger _logger;
    private readonly List<LuaFunction> _functions = new();
    private readonly LuaCall _call;
    private readonly Queue<ScriptError> _errors = new();
    private readonly ScriptValue[] _updateArguments = new ScriptValue[1];
    private bool _disposed;

    internal LuaScript(string name, string source, LuaScriptOptions options, IEnumerable<KeyValuePair<string, ScriptPrimitive>> api, ILogger logger, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(source);
        Name = name;
        Options = options;
        _logger = logger;
        LogBudget = new ScriptLogBudget(name, options, time ?? TimeProvider.System, logger);
        UnhandledRpcs = new UnhandledRpcReport(time ?? TimeProvider.System);
        LuaNative.EnsureLoaded(); // a platform without native Lua fails here, typed, not inside KeraLua or a tick
        _memory = new LuaMemory(options.MemoryLimitBytes, options.MaxLuaStringBytes,
            Math.Max(64, ScriptEntries.ComparisonWindow / options.HookInterval));
        _lua = new Lua(_memory.Allocator, IntPtr.Zero);
        _call = new LuaCall(this);
        Entries = new ScriptEntries(this);
        try
        {
            // The string comparison cost model holds for byte order only: refused, typed, before any script code runs.
            LuaCollation.ThrowUnlessByteOrder(_lua);
            _memory.FindContentOffset(_lua);
            _lua.OpenLibs();
            RunPrelude(api);
            var status = _lua.LoadBuffer(Encoding.UTF8.GetBytes(source), "@" + name, "t");
            if (status != LuaStatus.OK)
            {
                var error = Describe(_lua, status, "load", null);
                throw new LuaScriptException(error with { Kind = ScriptErrorKind.Syntax });
            }

            MainReference = _lua.Ref(LuaRegistry.Index);
        }
        catch
        {
            _lua.Close();
            throw;
        }
    }

    /// <summary>The script's name: its file name, as it appears in error locations.</summary>
    public string Name { get; }

    /// <summary>The most recent errors, oldest first (at most <see cref="LuaScriptOptions.MaxKeptErrors"/>).</summary>
    public IReadOnlyCollection<ScriptError> Errors => _errors;

    /// <summary>Raised on the tick thread for every failed call, after it is logged.</summary>
    public event Action<ScriptError>? Failed;

    /// <summary>Bytes the script's Lua state holds now.</summary>
    public long MemoryBytes => _memory.Used;

    /// <summary>The most bytes the script's Lua state has held.</summary>
    public long PeakMemoryBytes => _memory.Peak;

    /// <summary>Entries waiting for a network answer or the next tick.</summary>
    public int WaitingEntries => Entries.WaitingCount;

    internal LuaScriptOptions Options { get; }

    /// <summary>RPC handlers started this tick (<see cref="LuaScriptOptions.MaxRpcHandlersPerTick"/>).</summary>
    internal int RpcHandlersThisTick { get; set; }

    /// <summary>Instructions the RPC handlers started this tick spent in it (<see cref="LuaScriptOptions.RpcInstructionBudgetPerTick"/>).</summary>
    internal long RpcInstructionsThisTick { get; set; }

    /// <summary>RPCs with a handler that were not handled this tick for lack of handler budget.</summary>
    internal int RpcsUnhandledThisTick { get; set; }

    /// <summary>RPCs left unhandled for lack of handler budget since their last report (at most one report every 10 s).</summary>
    internal UnhandledRpcReport UnhandledRpcs { get; }

    internal LuaMemory Memory => _memory;

    /// <summary>What the script may still write to the logger this second (<see cref="LuaScriptOptions.LogLinesPerSecond"/>).</summary>
    internal ScriptLogBudget LogBudget { get; }

    internal Lua State => _lua;

    internal ScriptEntries Entries { get; }

    internal int RunReference { get; private set; }

    internal int EntryReference { get; private set; }

    internal int PendingReference { get; private set; }

    internal int AbortReference { get; private set; }

    private int MainReference { get; }

    // Holds the thread enter() last named, so the pointer ScriptEntries keeps to it stays valid.
    private int CurrentThreadReference { get; set; }

    /// <summary>Sets a global variable of the script (before or between ticks).</summary>
    /// <param name="name">The global's name.</param>
    /// <param name="value">Its value.</param>
    /// <exception cref="LuaScriptException">The name or a string in the value is longer than
    /// <see cref="LuaScriptOptions.MaxLuaStringBytes"/> (<see cref="ScriptErrorKind.Limit"/>), or its tables nest too deeply;
    /// the global is left as it was.</exception>
    public void SetGlobal(string name, ScriptValue value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ObjectDisposedException.ThrowIf(_disposed, this);
        int top = _lua.GetTop();
        _lua.PushGlobalTable();
        try
        {
            LuaValues.PushString(_lua, name, Options.MaxLuaStringBytes);
            LuaValues.Push(_lua, value, Options.MaxLuaStringBytes);
        }
        catch (ScriptCallException refused)
        {
            _lua.SetTop(top);
            throw new LuaScriptException(HostError(refused, "SetGlobal"));
        }

        _lua.RawSet(-3);
        _lua.Pop(1);
    }

    /// <summary>Reads a global variable of the script as a .NET value (raw: no metamethod runs).</summary>
    /// <param name="name">The global's name.</param>
    /// <returns>Its value; functions and other Lua-only values read as nil.</returns>
    public ScriptValue GetGlobal(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ObjectDisposedException.ThrowIf(_disposed, this);
        _lua.PushGlobalTable();
        LuaValues.PushString(_lua, name);
        _lua.RawGet(-2);
        try
        {
            int entries = Options.MaxTableEntries;
            return LuaValues.Read(_lua, -1, ref entries, Options.MaxTableDepth, Options.MaxStringBytes);
        }
        catch (ScriptCallException)
        {
            return ScriptValue.Nil;
        }
        finally
        {
            _lua.Pop(2);
        }
    }

    /// <summary>Whether <c>Script.<paramref name="name"/></c> is a function.</summary>
    /// <param name="name">The handler name (for example <c>update</c> or an RPC name).</param>
    /// <returns>True when the script defines it.</returns>
    public bool HasHandler(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ObjectDisposedException.ThrowIf(_disposed, this);
        PushScriptTable(_lua);
        bool found = false;
        if (_lua.Type(-1) == LuaType.Table)
        {
            LuaValues.PushString(_lua, name);
            found = _lua.RawGet(-2) == LuaType.Function;
            _lua.Pop(1);
        }

        _lua.Pop(1);
        return found;
    }

    /// <summary>
    /// Starts <c>Script:<paramref name="name"/>(…)</c> as a new entry, if the script defines it. It runs
    /// until it finishes or waits; a failure is reported in <see cref="Errors"/>, never thrown. Arguments holding a
    /// string longer than <see cref="LuaScriptOptions.MaxLuaStringBytes"/> are refused before they are built: the
    /// handler does not run, and a <see cref="ScriptErrorKind.Limit"/> error is reported.
    /// </summary>
    /// <param name="name">The handler name.</param>
    /// <param name="arguments">The arguments after <c>self</c>.</param>
    /// <returns>False when the script has no such handler.</returns>
    public bool Call(string name, params ScriptValue[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (!HasHandler(name))
        {
            return false;
        }

        // A static push with its state passed along: no closure and no delegate per call.
        Entries.Start(name, (Script: this, Name: name, Arguments: arguments), static (thread, call) =>
        {
            thread.RawGetInteger(LuaRegistry.Index, call.Script.EntryReference);
            PushScriptTable(thread);
            LuaValues.PushString(thread, call.Name);
            foreach (var argument in call.Arguments)
            {
                LuaValues.Push(thread, argument, call.Script.Options.MaxLuaStringBytes); // too long: Start reports it, the entry does not run
            }

            return 3 + call.Arguments.Length;
        });
        return true;
    }

    /// <summary>Unloads the script: waiting entries are dropped and the Lua state is closed.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        LogBudget.Report();
        Entries.CancelAll();
        _lua.Close();
        _functions.Clear();
    }

    internal void RunMain() => Entries.Start("main", MainReference, static (thread, main) =>
    {
        thread.RawGetInteger(LuaRegistry.Index, main);
        return 1;
    });

    internal void Tick(float deltaSeconds)
    {
        Entries.Tick();
        CallUpdate(deltaSeconds);
    }

    /// <summary>
    /// Starts <c>Script:update(dt)</c>, if the script defines it, without a new argument array each tick (the call reads
    /// its arguments while it starts and keeps none of them).
    /// </summary>
    internal void CallUpdate(double deltaSeconds)
    {
        _updateArguments[0] = deltaSeconds;
        Call("update", _updateArguments);
    }

    private static void PushScriptTable(Lua lua)
    {
        lua.PushGlobalTable();
        LuaValues.PushString(lua, "Script");
        lua.RawGet(-2);
        lua.Remove(-2);
    }

    // The boundary every host primitive runs behind: no exception and no Lua error crosses it, and the
    // memory limit is suspended while .NET code pushes values (see LuaMemory).
    private int Invoke(IntPtr state, string function, ScriptPrimitive primitive)
    {
        bool enforcing = _memory.Enforcing;
        _memory.Enforcing = false;
        var lua = Lua.FromIntPtr(state);
        int top = lua.GetTop();
        try
        {
            _call.Lua = lua;
            _call.Function = function;
            return primitive(_call);
        }
        catch (Exception e)
        {
            lua.SetTop(top);
            lua.PushBoolean(false);
            LuaValues.PushMessage(lua, e is ScriptCallException ? e.Message : $"{function} failed: {e.Message}", Options.MaxLuaStringBytes);
            return 2;
        }
        finally
        {
            _call.Lua = null!;
            _memory.Enforcing = enforcing;
        }
    }

    // charge(units): work a library call does in C, charged to the running entry; answers whether the
    // budget is spent. Like OverBudget it only pushes a boolean.
    private int Charge(IntPtr state)
    {
        var thread = Lua.FromIntPtr(state);
        bool over;
        try
        {
            double units = thread.Type(1) == LuaType.Number ? thread.ToNumber(1) : 0;
            over = Entries.Charge(thread, units >= long.MaxValue ? long.MaxValue : (long)Math.Max(0, units));
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Script {Script}: charging the instruction budget failed", Name);
            over = true;
        }

        thread.PushBoolean(over);
        return 1;
    }

    // enter(thread): the sandbox is about to run code on the thread (an entry starts, a script coroutine is resumed or
    // closed, or one returned to the thread that resumed it). The host sets its count hook for the strings that live now
    // and notes it as the thread the allocator tightens when a longer string appears. Pushes nothing; writing an existing
    // registry slot neither allocates nor raises.
    private int Enter(IntPtr state)
    {
        try
        {
            IntPtr thread = LuaNative.lua_tothread(state, 1);
            if (thread != IntPtr.Zero)
            {
                var lua = Lua.FromIntPtr(state);
                lua.PushCopy(1);
                lua.RawSetInteger(LuaRegistry.Index, CurrentThreadReference);
                Entries.Enter(thread);
            }
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Script {Script}: tuning the count hook failed", Name);
        }

        return 0;
    }

    // The count hook's question; it only pushes a boolean, which neither allocates nor raises.
    private int OverBudget(IntPtr state)
    {
        var thread = Lua.FromIntPtr(state);
        bool over;
        try
        {
            over = Entries.OverBudget(thread);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Script {Script}: the instruction budget check failed", Name);
            over = true;
        }

        thread.PushBoolean(over);
        return 1;
    }

    private int Log(LuaCall call)
    {
        long level = call.Integer(1, 1, 4);
        long bytes = call.StringLength(2);
        var logLevel = level switch
        {
            1 => LogLevel.Debug,
            2 => LogLevel.Information,
            3 => LogLevel.Warning,
            _ => LogLevel.Error,
        };
        if (_logger.IsEnabled(logLevel) && LogBudget.TryTake(bytes))
        {
            _logger.Log(logLevel, "[{Script}] {Message}", Name, call.String(2));
        }

        return call.Return(true);
    }
}
