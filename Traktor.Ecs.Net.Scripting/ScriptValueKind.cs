namespace Traktor.Ecs.Net.Scripting;

/// <summary>The Lua types a <see cref="ScriptValue"/> can hold (functions, threads and userdata never cross to .NET).</summary>
public enum ScriptValueKind
{
    /// <summary>Lua <c>nil</c>.</summary>
    Nil,

    /// <summary>A boolean.</summary>
    Boolean,

    /// <summary>A 64-bit integer (Lua's integer subtype).</summary>
    Integer,

    /// <summary>A double (Lua's float subtype).</summary>
    Number,

    /// <summary>A string (Lua strings are bytes; these are read and written as UTF-8).</summary>
    String,

    /// <summary>A table (<see cref="ScriptTable"/>).</summary>
    Table,
}
