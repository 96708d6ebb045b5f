using KeraLua;

namespace Traktor.Ecs.Net.Scripting.Runtime;

/// <summary>A host primitive: reads its arguments from <paramref name="call"/> and returns what it pushed.</summary>
/// <param name="call">The call in progress.</param>
/// <returns>The number of values pushed (via <see cref="LuaCall.Return"/> or <see cref="LuaCall.Wait"/>).</returns>
internal delegate int ScriptPrimitive(LuaCall call);

/// <summary>
/// One call of a host primitive from the API layer: argument access with Lua-style messages, and the
/// two ways to answer, <c>(true, value)</c> now or <c>(true, ticket)</c> to wait.
/// </summary>
internal sealed class LuaCall
{
    private readonly LuaScript _script;

    public LuaCall(LuaScript script) => _script = script;

    /// <summary>The calling thread's stack.</summary>
    public Lua Lua { get; internal set; } = null!;

    /// <summary>The method as scripts know it (<c>http:get</c>), for messages.</summary>
    public string Function { get; internal set; } = "";

    /// <summary>The script's budgets.</summary>
    public LuaScriptOptions Options => _script.Options;

    /// <summary>A string argument (numbers are refused: the seed's API never converts).</summary>
    public string String(int arg)
    {
        StringLength(arg);
        return LuaValues.ReadString(Lua, arg);
    }

    /// <summary>The length in bytes of a string argument, checked as <see cref="String"/> checks it, without reading it.</summary>
    public long StringLength(int arg)
    {
        if (Lua.Type(arg) != LuaType.String)
        {
            throw Bad(arg, "string");
        }

        long length = (long)Lua.RawLen(arg);
        if (length > Options.MaxStringBytes)
        {
            throw new ScriptCallException($"bad argument #{arg} to '{Function}' (longer than {Options.MaxStringBytes} bytes)");
        }

        return length;
    }

    /// <summary>A string argument or null when nil/absent.</summary>
    public string? OptionalString(int arg) => Lua.Type(arg) is LuaType.None or LuaType.Nil ? null : String(arg);

    /// <summary>An integer argument (a float with an integral value is accepted).</summary>
    public long Integer(int arg)
    {
        if (Lua.Type(arg) != LuaType.Number)
        {
            throw Bad(arg, "number");
        }

        if (Lua.IsInteger(arg))
        {
            return Lua.ToInteger(arg);
        }

        double value = Lua.ToNumber(arg);
        if (Math.Floor(value) != value || value < long.MinValue || value >= 9.2233720368547758E18)
        {
            throw new ScriptCallException($"bad argument #{arg} to '{Function}' (number has no integer representation)");
        }

        return (long)value;
    }

    /// <summary>An integer argument within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public long Integer(int arg, long min, long max)
    {
        long value = Integer(arg);
        if (value < min || value > max)
        {
            throw new ScriptCallException($"bad argument #{arg} to '{Function}' (must be between {min} and {max}, got {value})");
        }

        return value;
    }

    /// <summary>Any value, read within the table budgets of <see cref="LuaScriptOptions"/>.</summary>
    public ScriptValue Value(int arg)
    {
        int entries = Options.MaxTableEntries;
        try
        {
            return LuaValues.Read(Lua, arg, ref entries, Options.MaxTableDepth, Options.MaxStringBytes);
        }
        catch (ScriptCallException e)
        {
            throw new ScriptCallException($"bad argument #{arg} to '{Function}' ({e.Message})");
        }
    }

    /// <summary>The Lua type of an argument.</summary>
    public LuaType TypeOf(int arg) => Lua.Type(arg);

    /// <summary>Answers now: pushes <c>true, value</c>.</summary>
    /// <exception cref="ScriptCallException">A string in it is longer than <see cref="LuaScriptOptions.MaxLuaStringBytes"/> (the call fails with a Limit error).</exception>
    public int Return(in ScriptValue value)
    {
        Lua.PushBoolean(true);
        LuaValues.Push(Lua, value, Options.MaxLuaStringBytes);
        return 2;
    }

    /// <summary>Answers later: pushes <c>true, ticket</c>; the API layer then yields the entry until <paramref name="pending"/> completes.</summary>
    public int Wait(PendingCall pending)
    {
        Lua.PushBoolean(true);
        Lua.PushInteger(_script.Entries.Issue(pending));
        return 2;
    }

    /// <summary>An argument-type error in Lua's words.</summary>
    public ScriptCallException Bad(int arg, string expected) =>
        new($"bad argument #{arg} to '{Function}' ({expected} expected, got {Lua.TypeName(Lua.Type(arg))})");
}
