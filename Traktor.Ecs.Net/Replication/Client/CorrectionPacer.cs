namespace Traktor.Ecs.Net.Replication.Client;

/// <summary>
/// When a client sends its acknowledgement correction (kind 0x52, docs/PROTOCOL.md §10.2): once after one or more
/// dropped snapshots, at once when the token bucket allows, never more than <see cref="SnapshotFormat.CorrectionsPerSecond"/>
/// sustained with a burst of <see cref="SnapshotFormat.CorrectionBurst"/>. Drops while one is owed are covered by it (it
/// is written when it leaves, with the newest state). It travels on a reliable channel, so it is never repeated here:
/// a correction lost for good would leave the server believing in a snapshot the client never applied (its despawns
/// never repeated: ghost entities), however many blind repeats preceded it. A correction costs the server work in
/// proportion to the entities the client knows, so the server budgets them at twice these figures and an honest
/// client never meets that budget.
/// </summary>
internal sealed class CorrectionPacer
{
    private bool owed;
    private double tokens = SnapshotFormat.CorrectionBurst;
    private double tokensAt = double.NaN;

    /// <summary>True while a correction waits to be sent.</summary>
    public bool Owed => owed;

    /// <summary>A snapshot was dropped: a correction is owed.</summary>
    public void Owe() => owed = true;

    /// <summary>True when a correction should be sent now (at <paramref name="now"/> seconds, any monotonic clock).</summary>
    public bool TryTake(double now)
    {
        if (!owed)
        {
            return false;
        }

        double elapsed = double.IsNaN(tokensAt) ? 0 : Math.Max(0, now - tokensAt);
        tokens = Math.Min(SnapshotFormat.CorrectionBurst, tokens + (elapsed * SnapshotFormat.CorrectionsPerSecond));
        tokensAt = now;
        if (tokens < 1)
        {
            return false;
        }

        tokens -= 1;
        owed = false;
        return true;
    }

    /// <summary>Forgets what is owed (the connection ended).</summary>
    public void Reset() => owed = false;
}
