namespace Traktor.Ecs.Net.Scripting;

/// <summary>
/// The sandbox's budgets for each script. Every budget is enforced before the work is done, and
/// exceeding one fails the call with a <see cref="ScriptError"/>; it never stops the host.
/// </summary>
public sealed class LuaScriptOptions
{
    /// <summary>
    /// Lua VM instructions one entry (the main chunk, one <c>update</c>, one RPC handler) may run in one
    /// tick; 1,000,000 by default (a few milliseconds). Counted by a hook every
    /// <see cref="HookInterval"/> instructions, so the abort lands within that many past the budget.
    /// </summary>
    public long InstructionBudget { get; set; } = 1_000_000;

    /// <summary>How often the count hook runs, in VM instructions; 1,000 by default.</summary>
    public int HookInterval { get; set; } = 1_000;

    /// <summary>The most one script's Lua state may allocate, in bytes; 16 MiB by default.</summary>
    public long MemoryLimitBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>Entries of one script that may wait at once (for a network answer or the next tick); 64 by default.</summary>
    public int MaxWaitingEntries { get; set; } = 64;

    /// <summary>
    /// How many times one entry may be resumed in one tick when its answers are already there (an
    /// in-process call completes at once); 8 by default. Past it the entry continues next tick, so a
    /// loop of calls cannot flood a service within one tick.
    /// </summary>
    public int MaxResumesPerTick { get; set; } = 8;

    /// <summary>The most entries a table passed from a script to the host may hold (all levels together); 256 by default.</summary>
    public int MaxTableEntries { get; set; } = 256;

    /// <summary>How deep a table passed from a script to the host may nest; 4 by default.</summary>
    public int MaxTableDepth { get; set; } = 4;

    /// <summary>The longest string a script may pass to the host, in UTF-8 bytes; 64 KiB by default.</summary>
    public int MaxStringBytes { get; set; } = 64 * 1024;

    /// <summary>The largest HTTP response body handed to a script, in bytes (larger ones fail the call); 1 MiB by default.</summary>
    public int MaxHttpResponseBytes { get; set; } = 1024 * 1024;

    /// <summary>How long an HTTP request, a login or any other network call may take; 10 s by default.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Errors kept in <see cref="LuaScript.Errors"/> (oldest dropped first); 64 by default.</summary>
    public int MaxKeptErrors { get; set; } = 64;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(InstructionBudget, 1000);
        ArgumentOutOfRangeException.ThrowIfLessThan(HookInterval, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MemoryLimitBytes, 256 * 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxWaitingEntries, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxResumesPerTick, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTableEntries, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTableDepth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxStringBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxHttpResponseBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CallTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxKeptErrors, 1);
    }
}
