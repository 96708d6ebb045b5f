namespace Traktor.Ecs.Net.Scripting;

/// <summary>
/// The <see cref="NetworkHost"/> a game's <see cref="ScriptServices.StartHosting"/> started received before the
/// <see cref="LuaScriptSystem"/> could attach the session's relay to it (and, after a host migration, hand the players their
/// entities back): the game ticks the host before the scripts' system, or completes the hook's task only after the host's
/// first tick. Thrown from the system's tick; tick the host after the <see cref="LuaScriptSystem"/> (docs/SCRIPTING.md, "Hosting").
/// </summary>
public sealed class LuaHostingOrderException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public LuaHostingOrderException()
    {
    }

    /// <summary>Creates the exception with its explanation.</summary>
    /// <param name="message">What happened and how to fix it.</param>
    public LuaHostingOrderException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its explanation and cause.</summary>
    /// <param name="message">What happened and how to fix it.</param>
    /// <param name="innerException">The cause.</param>
    public LuaHostingOrderException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
