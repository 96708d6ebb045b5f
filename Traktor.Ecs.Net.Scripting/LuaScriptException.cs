namespace Traktor.Ecs.Net.Scripting;

/// <summary>
/// A script that cannot be loaded: its source does not compile (<see cref="LuaScriptSystem.Load(string)"/>); or a value the
/// host hands a script that the sandbox refuses (<see cref="LuaScript.SetGlobal"/>: a string longer than
/// <see cref="LuaScriptOptions.MaxLuaStringBytes"/>, <see cref="ScriptErrorKind.Limit"/>).
/// </summary>
public sealed class LuaScriptException : Exception
{
    /// <summary>Wraps a script error.</summary>
    /// <param name="error">What failed, where.</param>
    public LuaScriptException(ScriptError error)
        : base(error?.ToString())
    {
        Error = error ?? throw new ArgumentNullException(nameof(error));
    }

    /// <summary>What failed, with file and line.</summary>
    public ScriptError Error { get; }
}
