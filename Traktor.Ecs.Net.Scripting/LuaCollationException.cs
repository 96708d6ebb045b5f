namespace Traktor.Ecs.Net.Scripting;

/// <summary>
/// The process's string collation (the C library's <c>LC_COLLATE</c>) is not byte order ("C", "POSIX", or glibc 2.35's and
/// later C.UTF-8), so a script is not loaded: Lua compares strings with <c>strcoll</c>, and the sandbox bounds what one
/// comparison costs for byte order only (docs/SECURITY.md, "String comparisons"). Thrown when a script loads
/// (<see cref="LuaScriptSystem.Load(string)"/>), never in the middle of a tick: a change after a script loaded stops its
/// next entry instead, reported as <see cref="ScriptErrorKind.Collation"/>.
/// </summary>
/// <remarks>
/// .NET does not change the collation; native code in the process that calls <c>setlocale</c> (a game engine, a UI toolkit)
/// may. Setting it back with <c>setlocale(LC_COLLATE, "C")</c> leaves the other categories (character types, numbers, messages)
/// as they are; .NET's own culture-aware comparisons do not use it.
/// </remarks>
public sealed class LuaCollationException : Exception
{
    /// <summary>Says which collation was found.</summary>
    /// <param name="collation">The collation's name as the C library reports it, or null where it could not be asked.</param>
    public LuaCollationException(string? collation)
        : this(collation, collation is null ? "not byte order" : $"\"{collation}\"")
    {
    }

    /// <summary>Says which collation was found, with <paramref name="found"/> describing it in the message.</summary>
    /// <param name="collation">The collation's name, or null when the C library was not asked or the order probe failed.</param>
    /// <param name="found">What the message says the process's collation is: the quoted name, or the order the probe saw.</param>
    internal LuaCollationException(string? collation, string found)
        : base($"Lua scripts compare strings with the C library's strcoll, and the script sandbox bounds what a comparison costs for "
            + $"the \"C\" collation (byte order) only, but this process's LC_COLLATE is {found}: there a comparison reads each "
            + "byte through the locale's tables (measured 7 to 150 ns a byte, against 0.04 in \"C\"), and a script could hold a tick "
            + "far past its time budget with one. No script is loaded: set LC_COLLATE back to \"C\" (setlocale(LC_COLLATE, \"C\"), "
            + "which leaves the other categories alone) before loading scripts.")
    {
        Collation = collation;
    }

    /// <summary>
    /// The collation's name as the C library reports it (such as "en_US.UTF-8"), or null when it could not be asked or the
    /// strings' order showed the collation is not byte order (the message says which order was seen).
    /// </summary>
    public string? Collation { get; }
}
