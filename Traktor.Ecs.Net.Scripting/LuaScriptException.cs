namespace Traktor.Ecs.Net.Scripting;

/// <summary>A script that cannot be loaded: its source does not compile (<see cref="LuaScriptSystem.Load(string)"/>).</summary>
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
