namespace Traktor.Ecs.Net.Scripting.Runtime;

/// <summary>
/// A host primitive refusing its arguments or failing; caught at the boundary and returned to the
/// script as <c>(false, message)</c>, which the API layer raises as a Lua error at the script's line.
/// </summary>
internal sealed class ScriptCallException : Exception
{
    public ScriptCallException(string message)
        : base(message)
    {
    }

    public ScriptCallException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
