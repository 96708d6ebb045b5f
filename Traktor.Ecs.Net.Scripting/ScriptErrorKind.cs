namespace Traktor.Ecs.Net.Scripting;

/// <summary>Why a script call failed.</summary>
public enum ScriptErrorKind
{
    /// <summary>The source does not compile.</summary>
    Syntax,

    /// <summary>A Lua runtime error (<c>error(...)</c>, calling nil, bad arguments to the API…).</summary>
    Runtime,

    /// <summary>The call used more VM instructions in one tick than <see cref="LuaScriptOptions.InstructionBudget"/>.</summary>
    InstructionBudget,

    /// <summary>The script's state would have grown past <see cref="LuaScriptOptions.MemoryLimitBytes"/>.</summary>
    Memory,

    /// <summary>The script used something the sandbox removes (<c>os.execute</c>, <c>io</c>, <c>debug</c>, binary chunks, <c>__gc</c>…).</summary>
    Sandbox,

    /// <summary>
    /// A host limit refused the work: too many entries waiting (<see cref="LuaScriptOptions.MaxWaitingEntries"/>),
    /// RPCs sent faster than <see cref="LuaScriptOptions.RpcsPerSecond"/>, or more arriving RPCs in one tick
    /// than <see cref="LuaScriptOptions.MaxRpcHandlersPerTick"/>, or a string longer than <see cref="LuaScriptOptions.MaxLuaStringBytes"/>.
    /// </summary>
    Limit,

    /// <summary>
    /// The call ran longer in one tick than <see cref="LuaScriptOptions.TimeBudget"/> (instructions that are
    /// slow without allocating, such as comparing two long strings, stay within the instruction budget).
    /// </summary>
    TimeBudget,

    /// <summary>
    /// The process's string collation (<c>LC_COLLATE</c>) changed after the script loaded to one that is not byte order
    /// (native code called <c>setlocale</c>): the entry did not run, as no script code runs until it is "C" again
    /// (see <see cref="LuaCollationException"/>, the same check when a script loads).
    /// </summary>
    Collation,
}
