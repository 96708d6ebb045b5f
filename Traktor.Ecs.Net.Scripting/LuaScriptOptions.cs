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
    /// <see cref="HookInterval"/> instructions, so the abort lands within that many past the budget. From 1,000 to
    /// <see cref="InstructionBudgetLimit"/> (1,000,000,000, about 3 s): <see cref="long.MaxValue"/> with a long
    /// <see cref="TimeBudget"/> let one loop hold the tick for good.
    /// </summary>
    public long InstructionBudget { get; set; } = 1_000_000;

    /// <summary>
    /// Wall-clock time one entry may run in one tick; 250 ms by default, far above what the instruction
    /// budget allows an honest script (it is wall time, so preemption and GC pauses count too). The
    /// instruction budget bounds the count of VM instructions, but a few of them take time in proportion to
    /// their operands without allocating (comparing two long strings); this bounds what those can cost the
    /// tick. Checked with the instruction count, so the abort lands within <see cref="HookInterval"/>
    /// instructions past it. Positive and at most <see cref="TimeBudgetLimit"/> (10 minutes; tests raise it that far so that
    /// the instruction budget binds alone on a loaded machine).
    /// </summary>
    public TimeSpan TimeBudget { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How often the count hook runs, in VM instructions; 1,000 by default. While long strings live it runs more often, so
    /// that at most 4 MiB of the longest one can be compared between two checks (one comparison of two strings is one
    /// instruction whose time grows with their length): every other instruction with a 1 MiB string, every instruction
    /// from 2 MiB (docs/SECURITY.md, "Slow instructions"). From 1 to <see cref="InstructionBudget"/>: a longer interval
    /// checked the budget less than once per budget.
    /// </summary>
    public int HookInterval { get; set; } = 1_000;

    /// <summary>
    /// The longest string script code may create in its own state, in bytes; 4 MiB by default. Making a longer one fails
    /// (<see cref="ScriptErrorKind.Limit"/>, or a memory error a <c>pcall</c> may catch), so one comparison, which the time
    /// budget cannot interrupt, reads at most this many bytes. Strings the host hands a script obey it too, counted as UTF-8
    /// before they are built: an HTTP body (a longer one fails the call as a Limit error, whatever
    /// <see cref="MaxHttpResponseBytes"/> allows), a <c>game.*</c> function's result, a handler's arguments
    /// (<see cref="LuaScript.Call"/>: not run, a Limit error reported), <see cref="LuaScript.SetGlobal"/> (throws
    /// <see cref="LuaScriptException"/>). At least 1 KiB and at most <see cref="MemoryLimitBytesLimit"/> (1 GiB; above
    /// <see cref="MemoryLimitBytes"/> it allows nothing more, the memory limit refusing first).
    /// </summary>
    public long MaxLuaStringBytes { get; set; } = 4L * 1024 * 1024;

    /// <summary>The most one script's Lua state may allocate, in bytes; 16 MiB by default, 256 KiB to <see cref="MemoryLimitBytesLimit"/> (1 GiB).</summary>
    public long MemoryLimitBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>Entries of one script that may wait at once (for a network answer or the next tick); 64 by default, 1 to 4,096.</summary>
    public int MaxWaitingEntries { get; set; } = 64;

    /// <summary>
    /// How many times one entry may be resumed in one tick when its answers are already there (an
    /// in-process call completes at once); 8 by default. Past it the entry continues next tick, so a
    /// loop of calls cannot flood a service within one tick. 1 to 1,024.
    /// </summary>
    public int MaxResumesPerTick { get; set; } = 8;

    /// <summary>The most entries a table passed from a script to the host may hold (all levels together); 256 by default, 1 to 65,536.</summary>
    public int MaxTableEntries { get; set; } = 256;

    /// <summary>
    /// How deep a table passed from a script to the host may nest; 4 by default, 1 to 32. The host reads a table level by
    /// level on its own stack, so a depth of thousands (with as many <see cref="MaxTableEntries"/>) could overflow it and
    /// end the process.
    /// </summary>
    public int MaxTableDepth { get; set; } = 4;

    /// <summary>The longest string a script may pass to the host, in UTF-8 bytes; 64 KiB by default, 1 to <see cref="MemoryLimitBytesLimit"/>.</summary>
    public int MaxStringBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// The largest HTTP response body handed to a script, in bytes (larger ones fail the call); 1 MiB by default. The body
    /// becomes a Lua string, so <see cref="MaxLuaStringBytes"/> bounds it too (a longer one fails as a Limit error before
    /// it is read further): a value above that allows nothing more. A body that is not valid UTF-8 is decoded first (each
    /// bad byte becomes U+FFFD, 3 bytes), and what comes out is held to <see cref="MaxLuaStringBytes"/>. 1 to
    /// <see cref="MemoryLimitBytesLimit"/>.
    /// </summary>
    public int MaxHttpResponseBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// How long an HTTP request, a login or any other network call may take; 10 s by default. Positive and at most about
    /// 49.7 days (what a timer measures): the script system refuses other values when it is made, instead of every call
    /// failing later.
    /// </summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long <see cref="LuaScriptSystem.UnloadAsync"/> and <see cref="LuaScriptSystem.DisposeAsync"/> wait, on
    /// <see cref="ScriptServices.Time"/>, for what the unloaded scripts still send the session directory (the leave of the
    /// session a script was in, seats given back, a host migration's claim given back). Each of those has its
    /// own bound, and the longest chain is a leave after a stopped migration's claim: the claim's answer (10 s), the session
    /// given back (10 s), then the leave (<see cref="CallTimeout"/>, 10 s by default), each started once the one before ended:
    /// the default, 31 s, covers that chain and the moments between its steps. A game that raises <see cref="CallTimeout"/>
    /// raises this by as much. Past it a
    /// warning says how many sends are still on their way, and they go on in the background. Zero waits for nothing. At most
    /// about 49.7 days.
    /// </summary>
    public TimeSpan UnloadWait { get; set; } = TimeSpan.FromSeconds(31);

    /// <summary>
    /// How long <c>online:login</c> keeps asking while the backend answers busy (503) or rate-limited (429), as
    /// <see cref="MultiplayerOptions.LogInWait"/> does for <see cref="Multiplayer"/>: never before the answer's Retry-After,
    /// backing off, with jitter (<see cref="Online.OnlineRetry"/>); then the login answers <c>success = false</c> with the last
    /// refusal. 30 s by default; zero asks once. The whole call may take this plus <see cref="CallTimeout"/>. At most about 49.7 days.
    /// </summary>
    public TimeSpan LogInWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// RPCs one script may send with <c>multiplayer:rpc</c>, per second on average; 30 by default. A
    /// token bucket of <see cref="RpcBurst"/> refills at this rate; a call with the bucket empty fails at
    /// the script's line (<see cref="ScriptErrorKind.Limit"/>) and sends nothing. On a server every
    /// script RPC goes to every client, so this is what one mod can add to each client's traffic. Finite, positive and at
    /// most 1,000.
    /// </summary>
    public double RpcsPerSecond { get; set; } = 30;

    /// <summary>RPCs one script may send at once before <see cref="RpcsPerSecond"/> applies; 10 by default, 1 to 1,000.</summary>
    public int RpcBurst { get; set; } = 10;

    /// <summary>
    /// RPC handlers (<c>Script:&lt;name&gt;</c>) one script runs per tick; 64 by default. Each handler gets its
    /// own instruction budget, and together they get <see cref="RpcInstructionBudgetPerTick"/>, so a flood of arriving RPCs
    /// costs the tick at most that. They run in rounds by
    /// sender (each sender's first, then each one's second, …), so one client flooding cannot take the others'
    /// handlers; with more senders than this, a sender whose first RPC went unhandled goes first on the next ticks until
    /// it is handled, so none is left out tick after tick; the RPCs past it are not handled, and the script gets one <see cref="ScriptErrorKind.Limit"/> error that tick.
    /// 1 to 1,024.
    /// </summary>
    public int MaxRpcHandlersPerTick { get; set; } = 64;

    /// <summary>
    /// VM instructions one script's RPC handlers may spend together in one tick; 2,000,000 by default (about 6 ms). A
    /// handler starts only while the handlers this tick spent less, and each may still spend its own
    /// <see cref="InstructionBudget"/>, so the tick's handlers cost at most this plus one <see cref="InstructionBudget"/>
    /// (3,000,000 by default). The RPCs past it are not handled, as those past <see cref="MaxRpcHandlersPerTick"/> (the
    /// same <see cref="ScriptErrorKind.Limit"/> error, the same rounds by sender). Without it 64 handlers spinning to their
    /// budgets cost one tick 64,000,000 instructions, about 190 ms (docs/SCRIPTING.md, "What a tick may cost"). A game that raises
    /// <see cref="InstructionBudget"/> for heavy handlers raises this too. At least 1,000 and at most
    /// <see cref="MaxRpcHandlersPerTick"/> × <see cref="InstructionBudget"/>, what the handlers could spend without it (that
    /// bound turns it off).
    /// </summary>
    public long RpcInstructionBudgetPerTick { get; set; } = 2_000_000;

    /// <summary>
    /// When the script's connection to its session ends (<c>Script:onSessionEnded(session, reason, disconnect)</c>), how long
    /// the directory is asked why, as <see cref="MultiplayerOptions.EndReasonWait"/> does for <see cref="Multiplayer"/>: the
    /// handler hears the directory's <see cref="Sessions.SessionEndReason"/> once it is known, or <c>"ConnectionLost"</c> when
    /// this passes first. 10 s by default (longer than the directory's dead timeout, so a crashed server's players hear
    /// <c>"ServerLost"</c>); zero asks once. At most about 49.7 days.
    /// </summary>
    public TimeSpan EndReasonWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a script's player tries to go on under a successor when the player hosting its session is lost (the
    /// connection timed out or shut down without the session ending), 30 s by default, as
    /// <see cref="MultiplayerOptions.HostMigrationWait"/>: the directory picks the successor, which hosts from its copy of the
    /// world through <see cref="ScriptServices.StartHosting"/>, and the others connect to it (<c>Script:onHostLost</c>, then
    /// <c>Script:onHostMigrated</c> or <c>Script:onHostMigrationFailed</c>). Zero: no migration. At most about 49.7 days.
    /// </summary>
    public TimeSpan HostMigrationWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// During a host migration, how long a script's player that can host (<see cref="ScriptServices.StartHosting"/>) keeps
    /// trying to reach the new host the directory names (it has not published its address yet, or the connection failed)
    /// before it claims the session past it, as <see cref="MultiplayerOptions.JoinWait"/> does for <see cref="Multiplayer"/>;
    /// the directory grants that claim only once the new host was silent for its turn. 10 s by default. Positive and at most
    /// about 49.7 days.
    /// </summary>
    public TimeSpan HostMigrationJoinWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// During a host migration, how long a script's successor awaits the directory's answer to a claim it sent
    /// (<see cref="HostMigrationDriver.ClaimWait"/>), 10 s, as <see cref="Multiplayer"/>'s. Internal: the tests that hold a
    /// claim on its way for a while lengthen it, so that on a loaded machine their hold cannot outlast it (the claim then
    /// timed out and was given back before it arrived, and the test failed).
    /// </summary>
    internal TimeSpan ClaimWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Lines one script may write to the host's logger (<c>log:info/debug/warn/error</c> and <c>print</c> together) in one
    /// second; 50 by default. Lines past it or <see cref="LogBytesPerSecond"/> are dropped (the call still succeeds),
    /// counted, and reported once when the second ends: a warning and <see cref="ScriptMetrics.LogLinesDropped"/>. Lines at
    /// a level the logger does not write cost nothing. 1 to 100,000.
    /// </summary>
    public int LogLinesPerSecond { get; set; } = 50;

    /// <summary>
    /// UTF-8 bytes of log lines one script may write in one second (see <see cref="LogLinesPerSecond"/>); 64 KiB by
    /// default, so a line of <see cref="MaxStringBytes"/> still gets through. A line longer than this is always dropped. 1 to
    /// 64 MiB.
    /// </summary>
    public int LogBytesPerSecond { get; set; } = 64 * 1024;

    /// <summary>Errors kept in <see cref="LuaScript.Errors"/> (oldest dropped first); 64 by default, 1 to 4,096.</summary>
    public int MaxKeptErrors { get; set; } = 64;

    /// <summary>The largest <see cref="InstructionBudget"/>: 1,000,000,000 instructions, about 3 s of one entry.</summary>
    public const long InstructionBudgetLimit = 1_000_000_000;

    /// <summary>The longest <see cref="TimeBudget"/>: 10 minutes.</summary>
    public static readonly TimeSpan TimeBudgetLimit = TimeSpan.FromMinutes(10);

    /// <summary>The largest <see cref="MemoryLimitBytes"/> (1 GiB), and of <see cref="MaxLuaStringBytes"/>, <see cref="MaxStringBytes"/> and <see cref="MaxHttpResponseBytes"/>.</summary>
    public const int MemoryLimitBytesLimit = 1024 * 1024 * 1024;

    /// <summary>The copy a script system keeps (every member is a value): the caller changing its object later changes nothing.</summary>
    internal LuaScriptOptions Snapshot() => (LuaScriptOptions)MemberwiseClone();

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(InstructionBudget, 1000);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(InstructionBudget, InstructionBudgetLimit);
        ArgumentOutOfRangeException.ThrowIfLessThan(HookInterval, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(HookInterval, InstructionBudget);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(TimeBudget, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(TimeBudget, TimeBudgetLimit);
        ArgumentOutOfRangeException.ThrowIfLessThan(MemoryLimitBytes, 256 * 1024);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MemoryLimitBytes, MemoryLimitBytesLimit);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLuaStringBytes, 1024);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxLuaStringBytes, MemoryLimitBytesLimit);
        InRange(MaxWaitingEntries, 4096, nameof(MaxWaitingEntries));
        InRange(MaxResumesPerTick, 1024, nameof(MaxResumesPerTick));
        InRange(MaxTableEntries, 65_536, nameof(MaxTableEntries));
        InRange(MaxTableDepth, 32, nameof(MaxTableDepth));
        InRange(MaxStringBytes, MemoryLimitBytesLimit, nameof(MaxStringBytes));
        InRange(MaxHttpResponseBytes, MemoryLimitBytesLimit, nameof(MaxHttpResponseBytes));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CallTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(CallTimeout, TimeSpan.FromMilliseconds(uint.MaxValue - 1));
        InRange(MaxKeptErrors, 4096, nameof(MaxKeptErrors));
        ArgumentOutOfRangeException.ThrowIfLessThan(UnloadWait, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(UnloadWait, TimeSpan.FromMilliseconds(uint.MaxValue - 1));
        ArgumentOutOfRangeException.ThrowIfLessThan(LogInWait, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(LogInWait, TimeSpan.FromMilliseconds(uint.MaxValue - 1));
        ArgumentOutOfRangeException.ThrowIfLessThan(EndReasonWait, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(EndReasonWait, TimeSpan.FromMilliseconds(uint.MaxValue - 1));
        ArgumentOutOfRangeException.ThrowIfLessThan(HostMigrationWait, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(HostMigrationWait, TimeSpan.FromMilliseconds(uint.MaxValue - 1));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HostMigrationJoinWait, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(HostMigrationJoinWait, TimeSpan.FromMilliseconds(uint.MaxValue - 1));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ClaimWait, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ClaimWait, TimeSpan.FromMilliseconds(uint.MaxValue - 1));
        // Infinity passed ThrowIfLessThanOrEqual and made the script's RPC bucket NaN, never "below one token": no limit at all.
        if (!(RpcsPerSecond > 0 && RpcsPerSecond <= 1000))
            throw new ArgumentOutOfRangeException(nameof(RpcsPerSecond), RpcsPerSecond, "RpcsPerSecond must be positive and at most 1,000.");
        InRange(RpcBurst, 1000, nameof(RpcBurst));
        InRange(MaxRpcHandlersPerTick, 1024, nameof(MaxRpcHandlersPerTick));
        ArgumentOutOfRangeException.ThrowIfLessThan(RpcInstructionBudgetPerTick, 1000);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(RpcInstructionBudgetPerTick, MaxRpcHandlersPerTick * InstructionBudget);
        InRange(LogLinesPerSecond, 100_000, nameof(LogLinesPerSecond));
        InRange(LogBytesPerSecond, 64 * 1024 * 1024, nameof(LogBytesPerSecond));
    }

    private static void InRange(int value, int most, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, name);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, most, name);
    }
}
