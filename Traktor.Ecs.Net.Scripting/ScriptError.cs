namespace Traktor.Ecs.Net.Scripting;

/// <summary>One failed script call, as logged and kept in <see cref="LuaScript.Errors"/>.</summary>
/// <param name="Script">The script's name (its file name).</param>
/// <param name="File">The chunk the error points at (the script's file name, or the name given to <c>load</c>).</param>
/// <param name="Line">The line in <paramref name="File"/>; 0 when Lua knows none.</param>
/// <param name="Kind">The category.</param>
/// <param name="Message">Lua's message without the location prefix.</param>
/// <param name="Entry">What was running: <c>main</c>, an entry such as <c>update</c>, or an RPC handler name.</param>
public sealed record ScriptError(string Script, string File, int Line, ScriptErrorKind Kind, string Message, string Entry)
{
    /// <inheritdoc />
    public override string ToString() => $"{File}:{Line}: {Kind}: {Message} (in {Entry})";
}
