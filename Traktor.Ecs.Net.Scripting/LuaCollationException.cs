namespace Traktor.Ecs.Net.Scripting;

/// <summary>
/// The process's string collation (the C library's <c>LC_COLLATE</c>) is not "C", so a script is not loaded: Lua compares
/// strings with <c>strcoll</c>, and the sandbox bounds what one comparison costs for byte order only (docs/SECURITY.md, "String
/// comparisons"). Thrown when a script loads (<see cref="LuaScriptSystem.Load(string)"/>), never in the middle of a tick.
/// </summary>
/// <remarks>
/// .NET does not change the collation; native code in the process that calls <c>setlocale</c> (a game engine, a UI toolkit)
/// may. Setting it back with <c>setlocale(LC_COLLATE, "C")</c> leaves the other categories (character types, numbers, messages)
/// as they are; .NET's own culture-aware comparisons do not use it.
/// </remarks>
public sealed class LuaCollationException : Exception
{
    /// <summary>Says which collation was found.</summary>
    /// <param name="collation">
    /// The collation's name as the C library reports it, or a description of the order found where it cannot be asked.
    /// </param>
    public LuaCollationException(string collation)
        : base($"Lua scripts compare strings with the C library's strcoll, and the script sandbox bounds what a comparison costs for "
            + $"the \"C\" collation (byte order) only, but this process's LC_COLLATE is {collation}: there a comparison reads each "
            + "byte through the locale's tables (measured 7 to 150 ns a byte, against 0.04 in \"C\"), and a script could hold a tick "
            + "far past its time budget with one. No script is loaded: set LC_COLLATE back to \"C\" (setlocale(LC_COLLATE, \"C\"), "
            + "which leaves the other categories alone) before loading scripts.")
    {
        Collation = collation ?? "";
    }

    /// <summary>The collation found.</summary>
    public string Collation { get; }
}
