namespace Traktor.Ecs.Net.Scripting;

/// <summary>
/// The native Lua 5.4 library that KeraLua ships could not be loaded on this platform (a runtime identifier KeraLua has
/// no native asset for, or a trimmed container image without it); thrown when the first script loads
/// (<see cref="LuaScriptSystem.Load(string)"/>), never in the middle of a tick.
/// </summary>
public sealed class LuaNativeLibraryException : Exception
{
    /// <summary>Says which library names were tried on which platform.</summary>
    /// <param name="triedNames">The names tried, in order.</param>
    /// <param name="runtimeIdentifier">The platform (<see cref="System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier"/>).</param>
    /// <param name="inner">Why the last name failed, if known.</param>
    public LuaNativeLibraryException(IReadOnlyList<string> triedNames, string runtimeIdentifier, Exception? inner)
        : base($"Lua scripting needs KeraLua's native Lua 5.4 library, which could not be loaded on {runtimeIdentifier} "
            + $"(tried {string.Join(", ", triedNames ?? [])}): publish for a runtime identifier KeraLua ships a native asset for "
            + "(runtimes/<rid>/native in its package) and keep that file in the published output and container image."
            + (inner is null ? "" : " " + inner.Message), inner)
    {
        TriedNames = triedNames ?? [];
        RuntimeIdentifier = runtimeIdentifier;
    }

    /// <summary>The library names tried, in order.</summary>
    public IReadOnlyList<string> TriedNames { get; }

    /// <summary>The platform it failed on.</summary>
    public string RuntimeIdentifier { get; }
}
