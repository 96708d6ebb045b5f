namespace Traktor.Ecs.Net.Replication;

/// <summary>
/// Constants of the replication messages (docs/PROTOCOL.md, section "Snapshots"). The first byte of
/// every replication message is its kind; the rest is described there bit by bit.
/// </summary>
internal static class SnapshotFormat
{
    /// <summary>Server → client: entity states for one tick.</summary>
    public const byte SnapshotMessage = 0x51;

    /// <summary>
    /// Client → server: which snapshot ticks were applied. Sent only after the client dropped a snapshot whose packet
    /// was acknowledged (the packet acks acknowledge snapshots otherwise), once per drop (or run of drops), on a reliable
    /// channel, paced by <see cref="CorrectionsPerSecond"/> and <see cref="CorrectionBurst"/>.
    /// </summary>
    public const byte AckMessage = 0x52;

    /// <summary>
    /// Corrections a client sends per second at most, sustained (each costs the server work in proportion to the
    /// entities the client knows); the server's budget is twice this.
    /// </summary>
    public const double CorrectionsPerSecond = 4;

    /// <summary>Corrections a client sends at once at most after a quiet spell; the server's budget is twice this.</summary>
    public const double CorrectionBurst = 4;

    /// <summary>
    /// Server ticks a connection keeps the despawns of its acknowledged snapshots for corrections: the correction's own
    /// window (<see cref="ClientHistoryTicks"/>) plus the time a reliable correction may spend being retransmitted.
    /// </summary>
    public const int CorrectionMemoryTicks = 4 * ClientHistoryTicks;

    /// <summary>Ticks the client keeps received states for, by tick (a power of two).</summary>
    public const int ClientHistoryTicks = 64;

    /// <summary>The oldest baseline age the server uses from the client's tick-indexed history.</summary>
    public const int BaselineWindowTicks = ClientHistoryTicks - 4;

    /// <summary>A snapshot further ahead of the newest one than this is held back until a second confirms the jump.</summary>
    public const int MaxTickJump = 4 * ClientHistoryTicks;

    /// <summary>Header flag (byte 5, bit 0): the body is range coded (<see cref="DeltaCoder.Adaptive"/>).</summary>
    public const int AdaptiveFlag = 0x01;

    /// <summary>Header flag (byte 5, bit 1): byte 6 is the input status (docs/PROTOCOL.md §10.4).</summary>
    public const int InputStatusFlag = 0x02;

    /// <summary>The largest number of replicated component types (type masks are 64-bit).</summary>
    public const int MaxTypes = 64;

    /// <summary>Upper bound on records in one snapshot, checked by the decoder before allocating nothing.</summary>
    public const int MaxRecords = 4096;

    /// <summary>Upper bound on despawns in one snapshot.</summary>
    public const int MaxDespawns = 4096;

    /// <summary>
    /// The oldest reference snapshot a snapshot's entity list may be coded against (its age is below this): inside the
    /// client's tick-indexed history with the same margin as baselines.
    /// </summary>
    public const int MaxReferenceAge = BaselineWindowTicks;

    // Header contexts of the adaptive coder, placed after the schema's own contexts (docs/PROTOCOL.md §10.1).
    public const int ContextReferenceAge = 0;
    public const int ContextRemovedCount = 1;
    public const int ContextRemovedGap = 2;
    public const int ContextRemovedDespawn = 3;
    public const int ContextDespawnCount = 4;
    public const int ContextDespawnId = 5;
    public const int ContextAddedCount = 6;
    public const int ContextAddedId = 7;
    public const int ContextMemberDefault = 8;
    public const int ContextMemberFull = 9;
    public const int ContextAddedFull = 10;
    public const int ContextAddedSameShape = 11;
    public const int ContextBaselineCount = 12;
    public const int ContextBaselineAge = 13;
    public const int ContextBaselineGap = 14;
    public const int ContextTypeFlags = 15; // + type index

    /// <summary>Header contexts needed for a registry of <paramref name="typeCount"/> types.</summary>
    public static int HeaderContexts(int typeCount) => ContextTypeFlags + typeCount;
}
